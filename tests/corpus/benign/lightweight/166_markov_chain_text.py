# Question: Generate sample product taglines with a tiny Markov chain trained on existing ones.
import random
from collections import defaultdict

corpus = [
    "fast reliable delivery for every order",
    "reliable support for every team",
    "fast setup for every business",
    "secure reliable storage for every file",
    "simple fast reporting for every team",
]
chain = defaultdict(list)
for line in corpus:
    words = ["<s>"] + line.split() + ["</s>"]
    for a, b in zip(words, words[1:]):
        chain[a].append(b)

rng = random.Random(3)
for _ in range(5):
    word, out = "<s>", []
    while len(out) < 12:
        word = rng.choice(chain[word])
        if word == "</s>":
            break
        out.append(word)
    print(" ".join(out).capitalize())
print("Transitions from 'for':", sorted(set(chain["for"])))
