# Question: Format these product descriptions into a neat fixed-width catalogue.
import textwrap

products = {
    "Ergo Chair": "An adjustable office chair with lumbar support, breathable mesh back and 4D armrests suitable for long working days.",
    "Standing Desk": "Electric height-adjustable desk with memory presets, a bamboo top and a quiet dual-motor lift system.",
    "Monitor Arm": "Gas-spring arm for monitors up to 32 inches; clamps or grommet-mounts to most desks.",
}

width = 50
print("=" * width)
for name, description in products.items():
    print(name.upper().center(width))
    print(textwrap.fill(description, width=width, initial_indent="  ", subsequent_indent="  "))
    print("-" * width)
print(textwrap.shorten("Summary: " + " ".join(products), width=40, placeholder=" ..."))
