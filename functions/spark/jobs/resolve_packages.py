"""Run once at image build: spark-submit resolves --packages before running it, and it does nothing."""
