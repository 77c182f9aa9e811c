"""The smallest valid plan the tests build on: a plan.yml and one commitment with a milestone.

Tests derive their bad inputs from these texts by replacing one line, so each case shows only
what it breaks.
"""

PLAN = """\
country: FR
title: {fr: Plan d'essai, en: Test plan}
period: {start: 2021-01, end: 2023-12}
languages: [fr, en]
primary_language: fr
"""

COMMITMENT = """\
id: demo-1
title: {fr: Un, en: One}
lead_institutions:
  - {fr: Ministère, en: Ministry}
milestones:
  - id: demo-1.1
    title: {fr: Jalon, en: Milestone}
    due: 2022-06
"""
