import HTTPServer

extension WithingsSimulator {
    /// Mounts the account pages, the API and the control routes on `router`
    /// (GET and POST for the first two; HEAD follows GET). Everything
    /// answers through `handle`, so a mounted simulator behaves exactly as
    /// the one tests drive directly; control routes answer 403 unless
    /// `configuration.control`.
    public func install(into router: inout Router) {
        let handler: HTTPHandler = { request, _ in await self.handle(request) }
        for path in Self.apiPaths {
            router.add(.get, path, handler)
            router.add(.post, path, handler)
        }
        for route in Self.controlRoutes {
            router.add(route.method, route.path, handler)
        }
    }
}
