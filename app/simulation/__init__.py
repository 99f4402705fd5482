"""``flask simulate``: a period of a province's work run through the real services.

The province's shape (:mod:`.shape`), when dossiers arrive (:mod:`.arrivals`) and how
officers behave (:mod:`.behaviour`) are pure and drawn from one seeded random source;
:mod:`.province` creates the units and staff through the account services, :mod:`.run`
moves the application clock through the period and acts through the same service
functions the API calls, and :mod:`.report` reads the timeliness report at the end.
"""
