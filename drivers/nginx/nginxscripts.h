#pragma once

namespace Fleetdeck::Drivers::Nginx::Scripts {

// One poll in one round trip: `nginx -T` apart from its stderr and exit code, and in a full poll the version, the
// master's PID and age and the logs' increments; sections framed by a random token. Parameters: token, full (1/0),
// access log, offset, inode, error log, offset, inode, most bytes per log, PID file, then the nginx command's words.
extern const char* const poll;
// One change in one round trip: checked, backed up, written, renamed, tested, reloaded, confirmed (or restored).
// Parameters: file, SHA-256 wanted, SHA-256 without the last line break, error log, PID file, nginx command and
// reload command (each quoted for the shell; an empty reload sends HUP to the master), wait steps of 10 ms.
extern const char* const apply;

} // namespace Fleetdeck::Drivers::Nginx::Scripts
