# Question: How readable is this product announcement (Flesch reading ease)?
import re

text = """Our new analytics dashboard makes it easy to track revenue in real time.
You can filter by region, compare periods, and export charts with one click.
Administrators may configure granular permissions for sophisticated organizational hierarchies."""


def syllables(word):
    word = word.lower()
    groups = re.findall(r"[aeiouy]+", word)
    count = len(groups)
    if word.endswith("e") and count > 1:
        count -= 1
    return max(count, 1)


sentences = [s for s in re.split(r"[.!?]+\s*", text) if s.strip()]
words = re.findall(r"[A-Za-z']+", text)
syl = sum(syllables(w) for w in words)
score = 206.835 - 1.015 * (len(words) / len(sentences)) - 84.6 * (syl / len(words))
print(f"Sentences: {len(sentences)}, words: {len(words)}, syllables: {syl}")
print(f"Flesch reading ease: {score:.1f}")
for s in sentences:
    w = re.findall(r"[A-Za-z']+", s)
    long_words = [x for x in w if syllables(x) >= 4]
    print(f"- {len(w):>2} words, long words: {long_words}")
