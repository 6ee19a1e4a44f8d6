/// The HTTPServer module; see DESIGN.md for its place in the layering.
public enum HTTPServerModule {}
