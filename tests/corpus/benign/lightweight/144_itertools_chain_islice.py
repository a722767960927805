# Question: Paginate a combined list of open tasks from several project boards.
from itertools import chain, islice, count

board_a = [f"A-{i}" for i in range(1, 8)]
board_b = [f"B-{i}" for i in range(1, 5)]
board_c = [f"C-{i}" for i in range(1, 10)]

page_size = 6


def pages(iterable, size):
    it = iter(iterable)
    for number in count(1):
        page = list(islice(it, size))
        if not page:
            return
        yield number, page


for number, page in pages(chain(board_a, board_b, board_c), page_size):
    print(f"page {number}: {', '.join(page)}")
print("Every third task:", list(islice(chain.from_iterable([board_a, board_b, board_c]), 0, None, 3)))
