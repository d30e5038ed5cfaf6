"""Settings of the load benchmarks: the portal's own, plus a hello-world page.

The hello-world view goes through the whole middleware stack, so that a page's
requests per second divided by hello-world's, measured in the same run, says what the
page itself costs on whatever machine runs the benchmark.
"""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
