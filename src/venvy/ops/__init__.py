"""Operations: each takes plain values, does one job, and returns data. None of them prints."""
