import Logging

/// Wraps the server's log handler for one request and adds `request_id`
/// to each line as it is logged. Setting it as handler metadata instead
/// would make handlers such as `StreamLogHandler` re-render their metadata
/// on every request, logged or not (most of the server's allocations).
struct RequestLogHandler: LogHandler {
    var base: any LogHandler
    let requestID: String

    func log(event: LogEvent) {
        var event = event
        var metadata = event.metadata ?? [:]
        if metadata["request_id"] == nil && base[metadataKey: "request_id"] == nil {
            metadata["request_id"] = .string(requestID)
        }
        event.metadata = metadata
        base.log(event: event)
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] ?? (key == "request_id" ? .string(requestID) : nil) }
        set { base[metadataKey: key] = newValue }
    }

    var metadata: Logger.Metadata {
        get {
            var all = base.metadata
            if all["request_id"] == nil { all["request_id"] = .string(requestID) }
            return all
        }
        set { base.metadata = newValue }
    }

    var logLevel: Logger.Level {
        get { base.logLevel }
        set { base.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { base.metadataProvider }
        set { base.metadataProvider = newValue }
    }
}
