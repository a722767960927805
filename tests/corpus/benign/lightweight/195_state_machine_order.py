# Question: Replay order events through the order lifecycle state machine and flag invalid transitions.
TRANSITIONS = {
    "created": {"pay": "paid", "cancel": "cancelled"},
    "paid": {"ship": "shipped", "refund": "refunded"},
    "shipped": {"deliver": "delivered", "lose": "lost"},
    "delivered": {"return": "returned"},
    "lost": {"refund": "refunded"},
}

events = {
    "ORD-1": ["pay", "ship", "deliver"],
    "ORD-2": ["pay", "cancel"],
    "ORD-3": ["cancel"],
    "ORD-4": ["pay", "ship", "lose", "refund"],
    "ORD-5": ["ship"],
    "ORD-6": ["pay", "ship", "deliver", "return", "refund"],
}

for order, evs in events.items():
    state = "created"
    trail = [state]
    for ev in evs:
        nxt = TRANSITIONS.get(state, {}).get(ev)
        if nxt is None:
            trail.append(f"!{ev}")
            break
        state = nxt
        trail.append(state)
    print(f"{order}: {' -> '.join(trail)}")
