"""Privacy: everything that keeps respondents unrecognisable."""
