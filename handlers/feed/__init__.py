"""Posts and stories; home (hybrid fan-out), profile, circle and trending feeds; live push."""
