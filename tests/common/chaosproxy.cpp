#include "chaosproxy.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>

namespace Fleetdeck::Test {

ChaosProxy::~ChaosProxy()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.closeWriteChannel(); // the proxy stops when its standard input closes
    if (!m_process.waitForFinished(3000)) {
        m_process.kill();
        m_process.waitForFinished(3000);
    }
}

QString ChaosProxy::start(const QList<int>& upstreamPorts)
{
    const QString lab = QString::fromLocal8Bit(qgetenv("FLEETDECK_LAB_SCRIPT"));
    if (lab.isEmpty())
        return QStringLiteral("FLEETDECK_LAB_SCRIPT is not set");
    const QString script = QFileInfo(lab).dir().filePath(QStringLiteral("chaosproxy.py"));
    QStringList arguments { script, QStringLiteral("--lifetime"), QStringLiteral("600") };
    for (int port : upstreamPorts)
        arguments << QStringLiteral("--upstream") << QStringLiteral("127.0.0.1:%1").arg(port);
    m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process.start(QStringLiteral("python3"), arguments);
    if (!m_process.waitForStarted(5000))
        return QStringLiteral("chaosproxy.py did not start: %1").arg(m_process.errorString());
    if (!m_process.waitForReadyRead(10000))
        return QStringLiteral("chaosproxy.py said nothing in 10 s");
    const QByteArray line = m_process.readLine();
    const QJsonObject o = QJsonDocument::fromJson(line).object();
    m_control = o.value(QLatin1String("control")).toInt();
    for (const QJsonValue& p : o.value(QLatin1String("proxies")).toArray())
        m_ports.append(p.toObject().value(QLatin1String("listen")).toInt());
    if (m_control <= 0 || m_ports.size() != upstreamPorts.size())
        return QStringLiteral("chaosproxy.py's first line is not its ports: %1").arg(QString::fromUtf8(line));
    return {};
}

QString ChaosProxy::command(const QByteArray& line)
{
    QTcpSocket control;
    control.connectToHost(QStringLiteral("127.0.0.1"), quint16(m_control));
    if (!control.waitForConnected(2000))
        return QStringLiteral("error: cannot reach the proxy's control port: %1").arg(control.errorString());
    control.write(line + '\n');
    while (!control.canReadLine()) {
        if (!control.waitForReadyRead(5000))
            return QStringLiteral("error: the proxy did not answer \"%1\"").arg(QString::fromUtf8(line));
    }
    return QString::fromUtf8(control.readLine()).trimmed();
}

QString ChaosProxy::fault(int index, const QString& mode, int argument)
{
    QByteArray line = "fault " + QByteArray::number(index) + ' ' + mode.toUtf8();
    if (argument >= 0)
        line += ' ' + QByteArray::number(argument);
    const QString answer = command(line);
    return answer.startsWith(QLatin1String("ok")) ? QString() : answer;
}

QString ChaosProxy::stats(int index)
{
    return command("stats " + QByteArray::number(index)).mid(3);
}

} // namespace Fleetdeck::Test
