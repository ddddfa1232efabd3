"""skyfn benchmarks: one module per benchmark; run them with ``make bench``."""
