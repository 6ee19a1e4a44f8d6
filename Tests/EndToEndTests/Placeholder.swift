// Tests for this module are added alongside its implementation.
