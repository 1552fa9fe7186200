"""What the commands do, over the pipeline and the adapters: validate online, report, alerts."""
