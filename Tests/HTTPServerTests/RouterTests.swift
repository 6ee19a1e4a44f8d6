import HTTP1
import Testing

@testable import HTTPServer

@Suite struct RouterTests {
    static func handler(_ tag: String) -> HTTPHandler {
        { _, _ in HTTPResponse(status: 200, contentType: "text/plain", body: tag) }
    }

    static func router() -> Router {
        var router = Router()
        router.add(.get, "/users", handler("list"))
        router.add(.post, "/users", handler("create"))
        router.add(.get, "/users/me", handler("me"))
        router.add(.get, "/users/{user_id}", handler("one"))
        router.add(.delete, "/users/{user_id}", handler("forget"))
        router.add(.get, "/users/{user_id}/measures", handler("measures"))
        router.add(.head, "/files/{name}", handler("head-file"))
        router.add(.get, "/files/{name}", handler("get-file"))
        return router
    }

    static func tag(_ match: Router.Match) async -> String {
        guard case .found(let handler, _, _) = match else { return "-" }
        let context = RequestContext(requestID: "t", routeTemplate: "", remoteAddress: "", logger: testLogger())
        return String(decoding: await handler(HTTPRequest(method: .get, target: "/"), context).body, as: UTF8.self)
    }

    @Test(arguments: [
        (HTTPMethod.get, "/users", "list", "/users", [:]),
        (.post, "/users", "create", "/users", [:]),
        (.get, "/users/me", "me", "/users/me", [:]),
        (.get, "/users/42", "one", "/users/{user_id}", ["user_id": "42"]),
        (.delete, "/users/42", "forget", "/users/{user_id}", ["user_id": "42"]),
        (.get, "/users/a%2Fb%20c", "one", "/users/{user_id}", ["user_id": "a/b c"]),
        (.get, "/users/a+b", "one", "/users/{user_id}", ["user_id": "a+b"]),
        (.get, "/users/7/measures", "measures", "/users/{user_id}/measures", ["user_id": "7"]),
        (.head, "/users/7/measures", "measures", "/users/{user_id}/measures", ["user_id": "7"]),
        (.head, "/files/x", "head-file", "/files/{name}", ["name": "x"]),
        (.get, "/files/x", "get-file", "/files/{name}", ["name": "x"]),
    ] as [(HTTPMethod, String, String, String, [String: String])])
    func matches(method: HTTPMethod, path: String, tag: String, template: String, parameters: [String: String]) async {
        let match = Self.router().match(method, path: path)
        guard case .found(_, let matched, let values) = match else {
            Issue.record("\(method) \(path): \(match)")
            return
        }
        #expect(matched == template)
        #expect(values == parameters)
        #expect(await Self.tag(match) == tag)
    }

    @Test(arguments: ["/", "/user", "/users/", "/users/7/measures/x", "/users//measures", "/users/7/other", "users"])
    func unmatchedPathsAreNotFound(path: String) {
        guard case .notFound = Self.router().match(.get, path: path) else {
            Issue.record("\(path) matched")
            return
        }
    }

    @Test(arguments: [
        (HTTPMethod.put, "/users", "GET, HEAD, POST"),
        (.post, "/users/7", "GET, HEAD, DELETE"),
        (.post, "/users/7/measures", "GET, HEAD"),
        (.options, "/users/me", "GET, HEAD"),
        (.delete, "/files/a", "HEAD, GET"),
    ] as [(HTTPMethod, String, String)])
    func wrongMethodListsTheAllowedOnes(method: HTTPMethod, path: String, allow: String) {
        guard case .methodNotAllowed(_, let allowed) = Self.router().match(method, path: path) else {
            Issue.record("\(method) \(path) not a 405")
            return
        }
        #expect(allowed == allow)
    }

    @Test(arguments: ["/users/%zz", "/users/%4", "/users/%ff"])
    func malformedEscapesInParametersAreRefused(path: String) {
        guard case .badParameter(let template) = Self.router().match(.get, path: path) else {
            Issue.record("\(path) accepted")
            return
        }
        #expect(template == "/users/{user_id}")
    }
}
