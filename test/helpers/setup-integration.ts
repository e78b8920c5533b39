/**
 * Integration and end-to-end suites start servers, processes and Redis: on a loaded machine that
 * takes many times longer than on an idle one. No test asserts a duration; this only turns a hang
 * into a failure. Suites needing more set their own.
 */
jest.setTimeout(180_000);
