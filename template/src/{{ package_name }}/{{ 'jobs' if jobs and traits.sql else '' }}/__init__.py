"""Work outside the request: the job queue, the outbound clients the jobs call, and each
resource's jobs."""
