"""One child's journey from contact to the first review of a child protection plan, with hand-worked clocks.

The dates cross Christmas 2026 (Fri 25 Dec and Mon 28 Dec, the Boxing Day substitute, are bank holidays;
Fri 1 Jan 2027 is New Year's Day) and Easter 2027 (Good Friday 26 Mar, Easter Monday 29 Mar). The local
authority counts the start day as day 1 (the DfE convention), the default.

    contact received          Wed 23 Dec 2026, decided (referral) Thu 24 Dec 2026
    referral decision         1 WD from Thu 24 Dec: Thu 24 Dec is day 1            -> due Thu 24 Dec 2026
                              decided Tue 29 Dec                                   -> met late
    assessment                45 WD from Thu 24 Dec: 24 Dec (1), 29-31 Dec (2-4), 4-8 Jan (5-9),
                              11-15 (10-14), 18-22 (15-19), 25-29 (20-24), 1-5 Feb (25-29), 8-12 (30-34),
                              15-19 (35-39), 22-26 (40-44), Mon 1 Mar (45)        -> due Mon 1 Mar 2027
    strategy discussion       Tue 29 Dec 2026: the s47 starts that day
    initial conference        15 WD from Tue 29 Dec: 29-31 Dec (1-3), 4-8 Jan (4-8), 11-15 (9-13),
                              18 (14), Tue 19 Jan (15)                             -> due Tue 19 Jan 2027
                              held Mon 18 Jan 2027                                 -> met
    first core group          10 WD from Mon 18 Jan: 18-22 (1-5), 25-29 (6-10)    -> due Fri 29 Jan 2027
                              held Wed 27 Jan 2027                                 -> met
    statutory visit           10 WD from the last visit, Thu 25 Mar 2027: 25 Mar (1), 26 and 29 Mar bank
                              holidays, 30 Mar-2 Apr (2-5), 5-9 Apr (6-10)        -> due Fri 9 Apr 2027
    first review              3 months from Mon 18 Jan 2027                        -> due Sun 18 Apr 2027
                              held Thu 15 Apr 2027                                 -> met
    next review               6 months from Thu 15 Apr 2027                        -> due Fri 15 Oct 2027
"""

from __future__ import annotations

import datetime as dt

D = dt.date

EXPECTED_CLOCKS = {
    "referral_decision": (D(2026, 12, 24), D(2026, 12, 29), "met_late"),
    "assessment": (D(2027, 3, 1), D(2027, 2, 26), "met"),
    "initial_conference": (D(2027, 1, 19), D(2027, 1, 18), "met"),
    "first_core_group": (D(2027, 1, 29), D(2027, 1, 27), "met"),
    "first_review_conference": (D(2027, 4, 18), D(2027, 4, 15), "met"),
    "review_conference": (D(2027, 10, 15), None, "due"),
    "statutory_visit": (D(2027, 4, 9), None, "overdue"),
}
TODAY = D(2027, 4, 16)
