"""monitor: detect new official statements on tracked demands in the news, and alert on them."""
