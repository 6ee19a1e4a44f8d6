/// A misbehaviour the control interface can schedule for upcoming API answers.
public enum SimulatorFault: Sendable, Equatable {
    /// Answer the Withings envelope with this status instead of running the call
    /// (601 carries `wait_seconds`).
    case status(Int)
    /// Run the call normally after this extra delay.
    case latency(milliseconds: Int)
    /// Run the call, then send only half of the body after the full `Content-Length`.
    case truncateBody
    /// Run the call, then reset the connection without answering: the client
    /// cannot tell whether, say, a refresh happened.
    case resetConnection
    /// Answer an HTML error page with this HTTP status, as a load balancer does during an outage.
    case outage(httpStatus: Int)
}

/// Scheduled faults: each rule hits the next `remaining` matching calls.
struct FaultSchedule: Sendable {
    struct Rule: Sendable {
        var fault: SimulatorFault
        var remaining: Int
        /// Only calls with this action (`getmeas`, `requesttoken`, …); nil = any API call.
        var action: String?
    }

    private(set) var rules: [Rule] = []

    mutating func add(_ fault: SimulatorFault, count: Int, action: String?) {
        guard count > 0 else { return }
        rules.append(Rule(fault: fault, remaining: count, action: action))
    }

    mutating func clear() { rules.removeAll() }

    /// The fault for the next call with `action`, consuming one use of the oldest matching rule.
    mutating func take(action: String) -> SimulatorFault? {
        guard let index = rules.firstIndex(where: { $0.action == nil || $0.action == action }) else { return nil }
        let fault = rules[index].fault
        rules[index].remaining -= 1
        if rules[index].remaining == 0 { rules.remove(at: index) }
        return fault
    }
}
