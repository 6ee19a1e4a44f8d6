/// The WithingsAPI module; see DESIGN.md for its place in the layering.
public enum WithingsAPIModule {}
