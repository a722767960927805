# Question: Randomly but reproducibly split 14 workshop participants into balanced teams.
import random

participants = ["Ada", "Ben", "Cleo", "Dev", "Eun", "Fay", "Gil", "Hal", "Ivy", "Jon", "Kai", "Liv", "Mo", "Nia"]
random.seed(31)
shuffled = participants[:]
random.shuffle(shuffled)

team_count = 4
teams = [shuffled[i::team_count] for i in range(team_count)]
for i, team in enumerate(teams, 1):
    print(f"Team {i} ({len(team)}): {', '.join(sorted(team))}")
captains = [random.choice(team) for team in teams]
print("Captains:", captains)
