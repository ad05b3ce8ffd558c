// Package githubtest is a fake of the GitHub REST API for tiergate's tests.
//
// New starts an httptest server on 127.0.0.1 that serves, under the GitHub
// Enterprise style prefix /api/v3/, the operations the bot uses, from
// in-memory state the test seeds (AddRepo, AddInstallation,
// AddPullRequest, SetChangedFiles, AddReview, AddLabel, SetFile,
// SetPermission, AddTeamMember, SetCompareDiff, ...). The compare API
// answers diffs a test registers per base...head, produced with git. Point a real go-github client at
// URL() with WithEnterpriseURLs, authenticated by a ghinstallation
// transport built from AppID and PrivateKeyPEM with BaseURL set to the
// fake.
//
// The fake behaves like GitHub where the bot could get it wrong:
//
//   - Authentication: App-level operations need an RS256 JWT signed by the
//     App's key with iss = AppID and exp at most 10 minutes after iat; the
//     rest need an installation token issued by the fake, and see only
//     the installation's repositories and organization (404 otherwise).
//   - Every request is checked against GitHub's own OpenAPI description
//     (testdata/openapi.json): unknown operations get 404, bad parameters
//     or bodies (a check run conclusion of "green", a summary over 65535
//     characters) get 400, and each is recorded in Violations, which fails
//     the test at cleanup.
//   - Lists page like GitHub (per_page ≤ 100, Link header); the changed
//     files list stops at 3000; contents, a pull request, each page of
//     its files, reviews, events and comments, the check-run listing,
//     collaborator permissions and team memberships carry an ETag and
//     answer 304 to a matching If-None-Match.
//   - Every response has X-RateLimit-* headers; a 304 does not count
//     against the limit. FailNext, RateLimitNext and PrimaryRateLimitNext
//     inject server errors and rate limits, DelayNext a slow answer;
//     SetOutage makes every request answer 502 until it is ended.
//   - The App's webhook delivery log (GET /app/hook/deliveries, cursor
//     paging newest first; POST .../{delivery_id}/attempts): seed it with
//     RecordDelivery; with SetWebhook, Deliver and every redelivery request
//     POST the payload, signed, to a real server and log the outcome.
//
// EditComment, DeleteComment and UpdateCheckRun change state behind the
// bot's back, as a person or another process would. Inspect the outcome
// with CheckRuns, CheckRunWrites (every state a check run was written to,
// in order), Comments, Requests, Deliveries and RedeliveryRequests.
// LoadWebhook and Sign give tests GitHub's example webhook payloads and
// their signatures.
package githubtest
