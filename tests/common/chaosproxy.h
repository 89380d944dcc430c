#pragma once

#include <QList>
#include <QProcess>
#include <QString>

namespace Fleetdeck::Test {

// tests/lab/chaosproxy.py in front of real gateways of the lab: each upstream port gets a proxy port that forwards
// to it, or misbehaves on command (stall, dribble, truncate, reset, garbage, duplicate, reorder, endless, refuse).
// The process ends with this object (its standard input closes), or by itself after its lifetime.
class ChaosProxy
{
public:
    ChaosProxy() = default;
    ~ChaosProxy();
    ChaosProxy(const ChaosProxy&) = delete;
    ChaosProxy& operator=(const ChaosProxy&) = delete;

    // Starts one proxy per upstream port (127.0.0.1); empty on success, else why not.
    QString start(const QList<int>& upstreamPorts);
    // The port Fleetdeck connects to instead of upstream `index`.
    int port(int index) const { return m_ports.value(index); }
    // Proxy `index` misbehaves as `mode` (with its argument, if any) from now on; its open connections are cut.
    // Empty on success, else the proxy's answer.
    QString fault(int index, const QString& mode, int argument = -1);
    // "connections=C bytes_out=B" as the proxy counts them.
    QString stats(int index);

private:
    QString command(const QByteArray& line);

    QProcess m_process;
    int m_control = 0;
    QList<int> m_ports;
};

} // namespace Fleetdeck::Test
