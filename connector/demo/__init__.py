"""`smsflow demo`: the whole product on one machine, no accounts.

The connector (web app on a real socket, worker jobs) on SQLite, the Salesforce and Twilio emulators on loopback,
a scripted cast of leads and handsets, and one virtual clock all of them read (see clock.py). docs/demo.md says
what happens to whom and how to read the summary. Importing this package imports nothing heavy: cli.py is
registered in `smsflow --help`.
"""
