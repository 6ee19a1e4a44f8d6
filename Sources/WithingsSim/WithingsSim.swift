/// The WithingsSim module; see DESIGN.md for its place in the layering.
public enum WithingsSimModule {}
