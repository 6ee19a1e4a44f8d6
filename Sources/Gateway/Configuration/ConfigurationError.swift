/// A configuration value the gateway cannot start with. `description` is the
/// one line printed at start-up: it names the variable and says what is
/// expected, and quotes the offending value only for non-secret variables.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var variable: String
    public var reason: String

    public init(variable: String, reason: String) {
        self.variable = variable
        self.reason = reason
    }

    public var description: String { "\(variable): \(reason)" }
}
