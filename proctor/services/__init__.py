"""Plain functions that do the work; views parse, authorise, call one, commit once, answer."""
