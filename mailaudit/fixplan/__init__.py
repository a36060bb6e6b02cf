"""The fix plan: ``plan`` (one ordered list of steps from a report), ``merge`` (merging the
proposals for one record into one) and ``catalogue/`` (the plan's words). Pure: no I/O."""
