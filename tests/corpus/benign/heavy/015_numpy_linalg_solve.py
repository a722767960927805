# Question: Solve for the production quantities that exactly use the available machine and labour hours.
import numpy as np

# hours needed per unit of products A, B, C
A = np.array([
    [2.0, 1.0, 3.0],   # machine hours
    [1.0, 2.0, 1.0],   # labour hours
    [1.0, 1.0, 2.0],   # packaging hours
])
available = np.array([430.0, 300.0, 260.0])

x = np.linalg.solve(A, available)
for name, qty in zip("ABC", x):
    print(f"Product {name}: {qty:8.2f} units")
print("Check A @ x:", np.round(A @ x, 6))
print("Determinant:", round(float(np.linalg.det(A)), 4))
print("Condition number:", round(float(np.linalg.cond(A)), 3))
print("Inverse:\n", np.round(np.linalg.inv(A), 4))
