import Testing
import WithingsAPI

struct TokenDecodingTests {
    private func decode(_ text: String) throws -> Result<TokenGrant, WithingsFailure> {
        try WithingsDecoding.tokenGrant(Array(text.utf8))
    }

    @Test func specExampleWithNumericUserID() throws {
        let result = try decode(
            #"""
            {"status":0,"body":{"userid":363,"access_token":"a075f8c14fb8df40b08ebc8508533dc332a6910a",
             "refresh_token":"f631236f02b991810feb774765b6ae8e6c6839ca","expires_in":10800,
             "scope":"user.info,user.metrics","csrf_token":"PACnnxwHTaBQOzF7bQqwFUUotIuvtzSM","token_type":"Bearer"}}
            """#)
        let grant = try result.get()
        #expect(grant.userID == "363")
        #expect(grant.accessToken == "a075f8c14fb8df40b08ebc8508533dc332a6910a")
        #expect(grant.refreshToken == "f631236f02b991810feb774765b6ae8e6c6839ca")
        #expect(grant.expiresIn == 10800)
        #expect(grant.scope == "user.info,user.metrics")
        #expect(grant.csrfToken == "PACnnxwHTaBQOzF7bQqwFUUotIuvtzSM")
    }

    @Test func stringUserIDAndStringExpiryAndNoCSRF() throws {
        let grant = try decode(
            #"""
            {"body":{"userid":"12345678","access_token":"a","refresh_token":"r","expires_in":"10800","scope":"user.metrics","extra":{"x":[1]}},"status":0}
            """#
        ).get()
        #expect(grant.userID == "12345678")
        #expect(grant.expiresIn == 10800)
        #expect(grant.csrfToken == nil)
    }

    @Test func rejectedCodeIsAFailureNotAnError() throws {
        let result = try decode(#"{"status":503,"error":"Invalid Params: invalid code"}"#)
        #expect(
            result.failure
                == WithingsFailure(status: 503, family: .invalidParams, message: "Invalid Params: invalid code"))
    }

    @Test func rateLimitCarriesWaitSeconds() throws {
        let result = try decode(
            #"{"status":601,"body":{"wait_seconds":188},"error":"Same arguments in less than 10 seconds"}"#)
        #expect(result.failure?.family == .rateLimited(waitSeconds: 188))
    }

    @Test func expiredTokenIsAuthFamily() throws {
        let result = try decode(
            #"{"status":401,"body":{},"error":"XRequestID: Not provided invalid_token: The access token provided is invalid"}"#
        )
        #expect(result.failure?.family == .auth)
    }

    @Test(arguments: [
        "<html>Service Unavailable</html>",
        "",
        "[]",
        #"{"body":{}}"#,
        #"{"status":"0","body":{}}"#,
        #"{"status":0.5,"body":{}}"#,
        #"{"status":null}"#,
        #"{"status":0,"body":[]}"#,
        #"{"status":0,"body":{"access_token":"a","refresh_token":"r","expires_in":10800}}"#,
        #"{"status":0,"body":{"userid":1,"refresh_token":"r","expires_in":10800}}"#,
        #"{"status":0,"body":{"userid":1,"access_token":"a","expires_in":10800}}"#,
        #"{"status":0,"body":{"userid":1,"access_token":"a","refresh_token":"r"}}"#,
        #"{"status":0,"body":{"userid":1,"access_token":"","refresh_token":"r","expires_in":10800}}"#,
        #"{"status":0,"body":{"userid":1,"access_token":"a","refresh_token":"r","expires_in":-5}}"#,
        #"{"status":0,"body":{"userid":true,"access_token":"a","refresh_token":"r","expires_in":1}}"#,
        #"{"status":0,"body":{}} trailing"#,
    ])
    func malformedAnswersThrow(text: String) {
        #expect(throws: WithingsDecodeError.self) { try decode(text) }
    }

    @Test func decodeErrorNeverQuotesValues() {
        do throws(WithingsDecodeError) {
            _ = try WithingsDecoding.tokenGrant(
                Array(#"{"status":0,"body":{"userid":1,"access_token":"secret-token-value","expires_in":1}}"#.utf8))
            Issue.record("expected a throw")
        } catch {
            #expect(!error.description.contains("secret-token-value"))
            #expect(error.description.contains("refresh_token"))
        }
    }

    @Test func nonce() throws {
        #expect(try WithingsDecoding.nonce(Array(#"{"status":0,"body":{"nonce":"abc"}}"#.utf8)).get() == "abc")
        #expect(throws: WithingsDecodeError.self) { try WithingsDecoding.nonce(Array(#"{"status":0,"body":{}}"#.utf8)) }
    }
}

struct GetmeasDecodingTests {
    /// The BPM Core answer of withings-api.md §4, plus a body-composition group
    /// with the undocumented keys real answers carry.
    static let realistic = #"""
        {"status":0,"body":{"updatetime":1690491663,"timezone":"Europe/Berlin",
         "measuregrps":[
          {"grpid":4716596696,"attrib":0,"date":1690491576,"created":1690491663,"modified":1690491663,
           "category":1,"deviceid":"c405eb8e3f2a","hash_deviceid":"c405eb8e3f2a",
           "measures":[{"value":89,"type":9,"unit":0,"algo":0,"fm":3},{"value":109,"type":10,"unit":0,"algo":0,"fm":3}],
           "modelid":44,"model":"BPM Core","comment":null},
          {"grpid":"4716596697","attrib":8,"date":1690400000,"created":1690400010,"modified":1690400020,
           "category":1,"deviceid":null,"brand":1,"devtype":1,"model_id":6,"model":"Body Cardio","timezone":"Europe/Paris",
           "measures":[{"value":72500,"type":1,"unit":-3},{"value":1825,"type":6,"unit":-2},
                       {"value":1234,"type":173,"unit":-2,"position":3},{"value":5,"type":4242,"unit":0}]},
          {"grpid":12,"attrib":2,"date":1690300000,"category":2,"model":18,"measures":[]}
         ],
         "more":1,"offset":3}}
        """#

    @Test func realisticAnswerDecodes() throws {
        let page = try WithingsDecoding.getmeas(Array(Self.realistic.utf8)).get()
        #expect(page.more)
        #expect(page.offset == 3)
        #expect(page.timezone == "Europe/Berlin")
        #expect(page.updateTime == 1_690_491_663)
        #expect(page.groups.count == 3)

        let bpm = page.groups[0]
        #expect(bpm.id == 4_716_596_696)
        #expect(bpm.modelID == 44)
        #expect(bpm.model == "BPM Core")
        #expect(bpm.comment == nil)
        #expect(bpm.deviceID == "c405eb8e3f2a")
        #expect(bpm.timezone == nil)
        #expect(
            bpm.measures == [
                Measure(value: 89, type: 9, unit: 0, algo: 0, fm: 3),
                Measure(value: 109, type: 10, unit: 0, algo: 0, fm: 3),
            ])

        let scale = page.groups[1]
        #expect(scale.id == 4_716_596_697)
        #expect(scale.attrib == 8)
        #expect(scale.modelID == 6)
        #expect(scale.deviceID == nil)
        #expect(scale.timezone == "Europe/Paris")
        #expect(scale.measures[2] == Measure(value: 1234, type: 173, unit: -2, position: 3))
        #expect(scale.measures[3].type == 4242)

        let goal = page.groups[2]
        #expect(goal.category == 2)
        #expect(goal.model == nil)
        #expect(goal.modelID == 18)
        #expect(goal.created == nil)
        #expect(goal.measures.isEmpty)
    }

    @Test(arguments: [
        (#"{"status":0,"body":{"measuregrps":[],"more":false,"offset":0}}"#, false, 0),
        (#"{"status":0,"body":{"measuregrps":[],"more":true,"offset":200}}"#, true, 200),
        (#"{"status":0,"body":{"measuregrps":[],"more":0}}"#, false, 0),
        (#"{"status":0,"body":{}}"#, false, 0),
        (#"{"status":0}"#, false, 0),
    ])
    func moreAndOffsetVariants(text: String, more: Bool, offset: Int) throws {
        let page = try WithingsDecoding.getmeas(Array(text.utf8)).get()
        #expect(page.more == more)
        #expect(page.offset == offset)
        #expect(page.groups.isEmpty)
    }

    @Test(arguments: [
        #"{"status":0,"body":{"measuregrps":{}}}"#,
        #"{"status":0,"body":{"measuregrps":[1]}}"#,
        #"{"status":0,"body":{"measuregrps":[{"date":1,"measures":[]}]}}"#,
        #"{"status":0,"body":{"measuregrps":[{"grpid":1,"measures":[]}]}}"#,
        #"{"status":0,"body":{"measuregrps":[{"grpid":1,"date":1,"measures":[{"type":1,"unit":0}]}]}}"#,
        #"{"status":0,"body":{"measuregrps":[{"grpid":1,"date":1,"measures":[{"value":1.5,"type":1,"unit":0}]}]}}"#,
        #"{"status":0,"body":{"measuregrps":[{"grpid":1,"date":1,"measures":[{"value":1,"type":1,"unit":99}]}]}}"#,
        #"{"status":0,"body":{"measuregrps":[{"grpid":1,"date":1,"measures":[{"value":9223372036854775808,"type":1,"unit":0}]}]}}"#,
        #"{"status":0,"body":{"measuregrps":[{"grpid":1,"date":1,"measures":{}}]}}"#,
        #"{"status":0,"body":{"offset":-1}}"#,
        #"{"status":0,"body":{"measuregrps":[{"grpid":1,"date":1,"attrib":99999999999999999999,"measures":[]}]}}"#,
        #"{"status":0,"body":{"measuregrps":[{"grpid":1,"date":1,"category":"real","measures":[]}]}}"#,
    ])
    func malformedGroupsThrow(text: String) {
        #expect(throws: WithingsDecodeError.self) { try WithingsDecoding.getmeas(Array(text.utf8)) }
    }

    @Test func failureStatus() throws {
        let result = try WithingsDecoding.getmeas(Array(#"{"status":522,"body":{},"error":"timeout"}"#.utf8))
        #expect(result.failure?.family == .timeout)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

struct HostileAnswerTests {
    /// Random byte mutations of a real answer: decoding either throws or
    /// returns a page/failure, never traps (overflowing ints, huge units, wrong types).
    @Test func mutatedAnswersNeverTrap() {
        let original = Array(GetmeasDecodingTests.realistic.utf8)
        var rng = SplitMix64(seed: 42)
        let interesting: [UInt8] = Array(#"{}[]",:-0123456789e.nt"#.utf8)
        var decoded = 0
        for _ in 0..<4000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let position = Int.random(in: 0..<bytes.count, using: &rng)
                if Bool.random(using: &rng) {
                    bytes[position] = interesting.randomElement(using: &rng) ?? 0
                } else {
                    bytes.insert(interesting.randomElement(using: &rng) ?? 0, at: position)
                }
            }
            if (try? WithingsDecoding.getmeas(bytes)) != nil { decoded += 1 }
            _ = try? WithingsDecoding.tokenGrant(bytes)
        }
        #expect(decoded > 0)
    }

    @Test(arguments: [
        #"{"status":0,"body":{"measuregrps":[{"grpid":1,"date":1,"measures":[{"value":-9223372036854775808,"type":1,"unit":-64}]}]}}"#,
        #"{"status":9223372036854775807,"body":{"wait_seconds":"x"}}"#,
        #"{"status":-1}"#,
    ])
    func extremeNumbersAreHandled(text: String) throws {
        _ = try WithingsDecoding.getmeas(Array(text.utf8))
    }
}

/// The streaming getmeas decoder gives exactly what the tree-based reference
/// gives: the same page or failure, and a throw where the reference throws.
struct GetmeasDifferentialTests {
    private func outcome(
        _ decode: ([UInt8]) throws(WithingsDecodeError) -> Result<GetmeasPage, WithingsFailure>,
        _ bytes: [UInt8]
    ) -> Result<GetmeasPage, WithingsFailure>? {
        do throws(WithingsDecodeError) {
            return try decode(bytes)
        } catch {
            return nil
        }
    }

    private func check(_ bytes: [UInt8]) {
        let fast = outcome(WithingsDecoding.getmeas, bytes)
        let reference = outcome(ReferenceGetmeasDecoder.getmeas, bytes)
        #expect(fast == reference, "\(String(decoding: bytes, as: UTF8.self))")
    }

    @Test(arguments: [
        GetmeasDecodingTests.realistic,
        #"{"body":{"more":true,"offset":3,"measuregrps":[]},"status":0}"#,
        #"{"status":0,"status":1,"body":{"offset":1},"body":{"offset":2}}"#,
        #"{"status":601,"body":{"wait_seconds":7,"measuregrps":{}},"error":"slow down"}"#,
        #"{"status":601,"body":[1],"error":5}"#,
        #"{"status":0,"body":null}"#,
        #"{"status":0,"body":{"measuregrps":null,"timezone":""}}"#,
        #"{"status":0,"body":{"measuregrps":[{"grpid":1,"date":2,"measures":null,"measures":[{"value":1}]}]}}"#,
        #"{"status":0,"body":{"measuregrps":[{"grpid":1,"date":2,"model":44,"modelid":null,"model_id":6,"measures":[]}]}}"#,
        #"{"status":0,"body":{"measuregrps":[{"grpid":1,"date":2,"measures":[{"value":1,"type":1,"unit":0,"unit":99}]}]}}"#,
        #"{"status":0,"body":{"measuregrps":[{"grpid":1,"date":2,"measures":[5]}]}}"#,
        #"{"status":0,"body":{"measuregrps":[7,{"grpid":1,"date":2,"measures":[]}]}}"#,
        #"{"status":null}"#,
        #"[]"#,
        #"{"status":0,"body":{}} {}"#,
    ])
    func agreeOnNotableAnswers(text: String) {
        check(Array(text.utf8))
    }

    @Test(arguments: 0..<4)
    func agreeOnMutatedAnswers(seed: Int) {
        let original = Array(GetmeasDecodingTests.realistic.utf8)
        var rng = SplitMix64(seed: UInt64(seed) &+ 1000)
        let interesting: [UInt8] = Array(#"{}[]",:-0123456789e.ntu"#.utf8)
        for _ in 0..<1500 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let position = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[position] = interesting.randomElement(using: &rng) ?? 0
                case 1: bytes.remove(at: position)
                default: bytes.insert(interesting.randomElement(using: &rng) ?? 0, at: position)
                }
            }
            check(bytes)
        }
    }
}
