"""The apps the bench serves: one per framework, all running the seeds' procedure."""
