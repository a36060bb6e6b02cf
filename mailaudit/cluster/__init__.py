"""Running a batch on Dask distributed (the ``cluster`` extra): ``mailaudit batch --cluster ADDRESS``.

``work.py`` is what a worker runs (a chunk of domains through its own Resolver and Auditor);
``client.py`` hands the chunks out and streams the reports back. Only ``client.py`` imports
Dask, and only when ``--cluster`` is given.
"""
