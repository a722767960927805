# Question: Which words appear most often in these customer feedback comments?
import re
from collections import Counter

comments = [
    "The delivery was fast and the packaging was great.",
    "Great product, but delivery took too long.",
    "Customer service was helpful and fast.",
    "Packaging was damaged; the product itself is great.",
    "Fast delivery, great price, will order again!",
]
stopwords = {"the", "and", "was", "but", "too", "is", "itself", "will", "a"}

words = Counter()
for comment in comments:
    for word in re.findall(r"[a-z']+", comment.lower()):
        if word not in stopwords:
            words[word] += 1

print("Top words in feedback:")
for word, count in words.most_common(6):
    print(f"  {word:<12} {count} {'#' * count}")
print(f"Distinct words (excluding stopwords): {len(words)}")
