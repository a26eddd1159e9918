"""Statement detection: sentences, tracked demands, speakers, stance and repeats. Pure: no I/O."""
