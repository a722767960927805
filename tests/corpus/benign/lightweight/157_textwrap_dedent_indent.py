# Question: Generate a formatted email body summarizing the weekly numbers.
import textwrap

metrics = {"New customers": 148, "Churned": 12, "MRR change": "+$8,420", "Open tickets": 37}

body = textwrap.dedent("""\
    Hi team,

    Here is the weekly summary. Highlights are listed below, followed by
    the detailed numbers. Please reach out if anything looks off before
    the Monday review meeting.
    """)
details = "\n".join(f"{k}: {v}" for k, v in metrics.items())
print(body)
print(textwrap.indent(details, "    > "))
print()
print(textwrap.fill("Note: churn is computed on a trailing 7-day basis and excludes accounts paused by the billing team.", width=48))
print("Thanks,\nAnalytics")
