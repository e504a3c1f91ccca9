"""Programme staff: review queues, placements, programmes, evaluation."""
