#include "lab.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

#include "fleetfile.h"
#include "registry.h"

namespace Fleetdeck::Test {

Lab Lab::load()
{
    Lab lab;
    const QString path = qEnvironmentVariable("FLEETDECK_LAB_STATE");
    QFile file(path);
    if (path.isEmpty() || !file.open(QIODevice::ReadOnly)) {
        lab.error = QStringLiteral("no lab state file at \"%1\" (is the lab_start fixture running?)").arg(path);
        return lab;
    }
    const QJsonObject root = QJsonDocument::fromJson(file.readAll()).object();
    lab.fleetFile = root.value(QLatin1String("fleet")).toString();
    QFile fleetFile(lab.fleetFile);
    if (!fleetFile.open(QIODevice::ReadOnly)) {
        lab.error = QStringLiteral("cannot read the lab's fleet file \"%1\"").arg(lab.fleetFile);
        return lab;
    }
    const auto fleet = parseFleetFile(fleetFile.readAll(), Drivers::ProductRegistry::builtIn().catalog());
    if (!fleet) {
        lab.error = QStringLiteral("the lab's fleet file: %1").arg(fleet.error());
        return lab;
    }
    lab.gateways = fleet.value().gateways;
    for (const auto& port : root.value(QLatin1String("nginx")).toObject().value(QLatin1String("ports")).toArray())
        lab.upstreamPorts.append(port.toInt());
    for (const auto& c : root.value(QLatin1String("caddy")).toArray()) {
        const QJsonObject o = c.toObject();
        lab.caddyAdminPorts.append(o.value(QLatin1String("adminPort")).toInt());
        lab.caddy.append({ o.value(QLatin1String("name")).toString(), o.value(QLatin1String("adminPort")).toInt(),
            o.value(QLatin1String("listenPort")).toInt() });
    }
    for (const auto& v : root.value(QLatin1String("varnish")).toArray()) {
        const QJsonObject o = v.toObject();
        lab.varnish.append({ o.value(QLatin1String("name")).toString(), o.value(QLatin1String("adminPort")).toInt(),
            o.value(QLatin1String("listenPort")).toInt(), o.value(QLatin1String("exporterPort")).toInt(),
            o.value(QLatin1String("secretFile")).toString() });
    }
    if (const QJsonObject pg = root.value(QLatin1String("postgres")).toObject(); !pg.isEmpty()) {
        lab.postgres.url = pg.value(QLatin1String("url")).toString();
        lab.postgres.port = pg.value(QLatin1String("port")).toInt();
        lab.postgres.socketDir = pg.value(QLatin1String("dir")).toString();
        lab.postgres.caFile = pg.value(QLatin1String("caFile")).toString();
        lab.postgres.wrongCaFile = pg.value(QLatin1String("wrongCaFile")).toString();
        for (const auto& o : pg.value(QLatin1String("operators")).toArray()) {
            lab.postgres.operators.append(o.toObject().value(QLatin1String("name")).toString());
            lab.postgres.passwords.append(o.toObject().value(QLatin1String("password")).toString());
        }
    }
    for (const auto& v : root.value(QLatin1String("redis")).toArray()) {
        const QJsonObject o = v.toObject();
        lab.redis.append({ o.value(QLatin1String("name")).toString(), o.value(QLatin1String("port")).toInt(),
            o.value(QLatin1String("secretFile")).toString(), o.value(QLatin1String("config")).toString(),
            o.value(QLatin1String("tlsPort")).toInt() });
    }
    const QJsonObject tls = root.value(QLatin1String("tls")).toObject();
    lab.tls.caFile = tls.value(QLatin1String("caFile")).toString();
    lab.tls.wrongCaFile = tls.value(QLatin1String("wrongCaFile")).toString();
    lab.tls.clientCert = tls.value(QLatin1String("clientCert")).toString();
    lab.tls.clientKey = tls.value(QLatin1String("clientKey")).toString();
    lab.tls.port = tls.value(QLatin1String("port")).toInt();
    lab.tls.changedPort = tls.value(QLatin1String("changedPort")).toInt();
    lab.tls.mtlsPort = tls.value(QLatin1String("mtlsPort")).toInt();
    lab.tls.serverSha256 = tls.value(QLatin1String("serverSha256")).toString();
    lab.tls.changedSha256 = tls.value(QLatin1String("changedSha256")).toString();
    lab.tls.authPort = tls.value(QLatin1String("authPort")).toInt();
    lab.tls.authUser = tls.value(QLatin1String("authUser")).toString();
    lab.tls.authPassword = tls.value(QLatin1String("authPassword")).toString();
    lab.tls.bearerPort = tls.value(QLatin1String("bearerPort")).toInt();
    lab.tls.bearerToken = tls.value(QLatin1String("bearerToken")).toString();
    lab.tls.clientKeyEncrypted = tls.value(QLatin1String("clientKeyEncrypted")).toString();
    lab.tls.clientKeyPassphrase = tls.value(QLatin1String("clientKeyPassphrase")).toString();
    lab.alertmanagerUrl = root.value(QLatin1String("alertmanager")).toObject().value(QLatin1String("url")).toString();
    for (const auto& v : root.value(QLatin1String("nginxlb")).toArray()) {
        const QJsonObject o = v.toObject();
        LabNginx n;
        const QJsonObject one { { QLatin1String("gateways"), QJsonArray { o.value(QLatin1String("gateway")) } } };
        const auto parsed = parseFleetFile(QJsonDocument(one).toJson(), Drivers::ProductRegistry::builtIn().catalog());
        if (!parsed) {
            lab.error = QStringLiteral("the lab's nginx fleet entry: %1").arg(parsed.error());
            return lab;
        }
        n.gateway = parsed.value().gateways.first();
        n.dir = o.value(QLatin1String("dir")).toString();
        n.frontPort = o.value(QLatin1String("frontPort")).toInt();
        n.tcpPort = o.value(QLatin1String("tcpPort")).toInt();
        n.config = o.value(QLatin1String("config")).toString();
        n.upstreams = o.value(QLatin1String("upstreams")).toString();
        n.stream = o.value(QLatin1String("stream")).toString();
        n.errorLog = o.value(QLatin1String("errorLog")).toString();
        n.accessLog = o.value(QLatin1String("accessLog")).toString();
        n.nginxCommand = o.value(QLatin1String("nginxCommand")).toString();
        lab.nginx.append(n);
    }
    lab.sshConfig = root.value(QLatin1String("ssh")).toObject().value(QLatin1String("config")).toString();
    lab.sshDir = root.value(QLatin1String("ssh")).toObject().value(QLatin1String("dir")).toString();
    const QJsonObject signalsObject = root.value(QLatin1String("signals")).toObject();
    if (!signalsObject.isEmpty()) {
        lab.signalsHAProxy.adminPort = signalsObject.value(QLatin1String("adminPort")).toInt();
        lab.signalsHAProxy.frontendPort = signalsObject.value(QLatin1String("frontendPort")).toInt();
        lab.signalsHAProxy.tcpPort = signalsObject.value(QLatin1String("tcpPort")).toInt();
        lab.signalsHAProxy.fleetFile = signalsObject.value(QLatin1String("fleet")).toString();
        QFile signalsFleet(lab.signalsHAProxy.fleetFile);
        const auto parsed = signalsFleet.open(QIODevice::ReadOnly)
            ? parseFleetFile(signalsFleet.readAll(), Drivers::ProductRegistry::builtIn().catalog())
            : Result<FleetFile>::failure(QStringLiteral("cannot read \"%1\"").arg(lab.signalsHAProxy.fleetFile));
        if (!parsed || parsed.value().gateways.size() != 1) {
            lab.error = QStringLiteral("the lab's signals fleet file: %1")
                            .arg(parsed ? QStringLiteral("not one gateway") : parsed.error());
            return lab;
        }
        lab.signalsHAProxy.gateway = parsed.value().gateways.first();
    }
    const QJsonArray list = root.value(QLatin1String("haproxy")).toArray();
    for (const auto& v : list) {
        const QJsonObject o = v.toObject();
        LabHAProxy h;
        h.index = o.value(QLatin1String("index")).toInt();
        h.name = o.value(QLatin1String("name")).toString();
        h.adminPort = o.value(QLatin1String("adminPort")).toInt();
        h.socketPath = o.value(QLatin1String("socket")).toString();
        h.frontendPort = o.value(QLatin1String("frontendPort")).toInt();
        h.pid = o.value(QLatin1String("pid")).toInteger();
        for (const auto& b : o.value(QLatin1String("backends")).toArray())
            h.backends.append(b.toString());
        lab.haproxy.append(h);
    }
    if (lab.haproxy.isEmpty())
        lab.error = QStringLiteral("the lab state file lists no HAProxy");
    return lab;
}

QByteArray httpGet(int port, const QString& path, const QStringList& extraCurlArgs)
{
    QProcess p;
    p.start(QStringLiteral("curl"),
        QStringList { QStringLiteral("-si"), QStringLiteral("--max-time"), QStringLiteral("5") } + extraCurlArgs
            + QStringList { QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(path) });
    if (!p.waitForFinished(10000))
        return {};
    return p.readAllStandardOutput();
}

QByteArray caddyAdmin(int adminPort, const QString& method, const QString& path, const QByteArray& body)
{
    QProcess p;
    QStringList args { QStringLiteral("-s"), QStringLiteral("--max-time"), QStringLiteral("5"), QStringLiteral("-o"),
        QStringLiteral("-"), QStringLiteral("-w"), QStringLiteral(" %{http_code}"), QStringLiteral("-X"), method,
        QStringLiteral("-H"), QStringLiteral("Content-Type: application/json") };
    if (!body.isEmpty())
        args << QStringLiteral("--data-binary") << QString::fromUtf8(body);
    args << QStringLiteral("http://127.0.0.1:%1%2").arg(adminPort).arg(path);
    p.start(QStringLiteral("curl"), args);
    if (!p.waitForFinished(10000))
        return {};
    const QByteArray out = p.readAllStandardOutput();
    const qsizetype space = out.lastIndexOf(' ');
    return out.mid(space + 1) + ' ' + out.left(space);
}

bool Lab::run(const QString& command, const QStringList& arguments, int timeoutMs)
{
    QProcess p;
    p.start(QStringLiteral("python3"),
        QStringList { qEnvironmentVariable("FLEETDECK_LAB_SCRIPT"), command, QStringLiteral("--state"),
            qEnvironmentVariable("FLEETDECK_LAB_STATE") }
            + arguments);
    return p.waitForFinished(timeoutMs) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

bool Lab::control(const QString& command, int index) const
{
    return run(command, { QStringLiteral("--index"), QString::number(index) }, 30000);
}

QString LabPostgres::urlFor(int index) const
{
    QString u = url;
    return u.replace(QStringLiteral("//") + operators.value(0) + QLatin1Char('@'),
        QStringLiteral("//") + operators.value(index) + QLatin1Char('@'));
}

bool Lab::controlPostgres(const QString& action) const
{
    return run(QStringLiteral("postgres"), { action }, 60000);
}

bool Lab::setUpstreamHealthy(int index, bool healthy) const
{
    return run(QStringLiteral("upstream"),
        { QStringLiteral("--index"), QString::number(index), healthy ? QStringLiteral("up") : QStringLiteral("down") },
        30000);
}

bool Lab::loadRecordingRules(const QString& ruleFile) const
{
    return run(QStringLiteral("record"), { QStringLiteral("--rules"), ruleFile }, 60000);
}

QByteArray haproxyCommand(int adminPort, const QByteArray& command)
{
    QProcess p;
    p.start(QStringLiteral("socat"),
        { QStringLiteral("-t"), QStringLiteral("2"), QStringLiteral("-"),
            QStringLiteral("TCP:127.0.0.1:%1").arg(adminPort) });
    if (!p.waitForStarted(5000))
        return {};
    p.write(command + '\n');
    p.closeWriteChannel();
    p.waitForFinished(10000);
    return p.readAllStandardOutput();
}

QString Seen::describe() const
{
    switch (presence) {
    case Presence::Present:
        return QStringLiteral("present: %1").arg(value);
    case Presence::Absent:
        return QStringLiteral("absent");
    case Presence::Unknown:
        return QStringLiteral("could not tell: %1").arg(value);
    }
    return {};
}

Seen haproxyServer(int adminPort, const QString& backend, const QString& server, const QString& column)
{
    using P = Seen::Presence;
    const QByteArray answer = haproxyCommand(adminPort, "show stat");
    const QList<QByteArray> lines = answer.split('\n');
    // A show stat that ended early (no BACKEND row for the pool) cannot prove a server absent either.
    if (lines.isEmpty() || !lines.first().startsWith("# "))
        return { P::Unknown,
            QStringLiteral("socat got no show stat from port %1: \"%2\"")
                .arg(adminPort)
                .arg(QString::fromUtf8(answer.left(80))) };
    const QList<QByteArray> header = lines.first().mid(2).split(',');
    const qsizetype at = header.indexOf(column.toUtf8());
    if (at < 0)
        return { P::Unknown, QStringLiteral("show stat has no column %1").arg(column) };
    const QByteArray prefix = backend.toUtf8() + ',' + server.toUtf8() + ',';
    bool poolSeen = false;
    for (const QByteArray& line : lines) {
        if (line.startsWith(prefix)) {
            const QList<QByteArray> f = line.split(',');
            if (at >= f.size())
                return { P::Unknown, QStringLiteral("a short row for %1/%2").arg(backend, server) };
            return { P::Present, QString::fromUtf8(f.at(at)) };
        }
        poolSeen = poolSeen || line.startsWith(QByteArray(backend.toUtf8() + ",BACKEND,"));
    }
    if (!poolSeen)
        return { P::Unknown, QStringLiteral("show stat has no pool %1").arg(backend) };
    return { P::Absent, {} };
}

QString haproxyServerField(int adminPort, const QString& backend, const QString& server, const QString& column)
{
    const Seen seen = haproxyServer(adminPort, backend, server, column);
    if (seen.absent())
        return QStringLiteral("(absent)");
    return seen.present() ? seen.value : QStringLiteral("(could not ask: %1)").arg(seen.value);
}

Seen responseHeader(int port, const QString& path, const QByteArray& header, int attempts)
{
    using P = Seen::Presence;
    QByteArray last;
    for (int i = 0; i < attempts; ++i) {
        last = httpGet(port, path);
        const qsizetype end = last.indexOf("\r\n\r\n");
        if (!last.startsWith("HTTP/1.1 200") || end < 0)
            continue;
        for (const QByteArray& line : last.left(end).split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().compare(header, Qt::CaseInsensitive) == 0)
                return { P::Present, QString::fromUtf8(line.mid(colon + 1).trimmed()) };
        }
        return { P::Absent, {} };
    }
    return { P::Unknown,
        QStringLiteral("no 200 answer to GET %1 on port %2 in %3 tries; last: \"%4\"")
            .arg(path)
            .arg(port)
            .arg(attempts)
            .arg(QString::fromUtf8(last.left(60))) };
}

QString testDataPath(const QString& relative)
{
    return qEnvironmentVariable("FLEETDECK_TEST_DATA") + QLatin1Char('/') + relative;
}

} // namespace Fleetdeck::Test

namespace Fleetdeck::Test {

QByteArray readTestData(const QString& relative)
{
    QFile f(testDataPath(relative));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("missing test data %s", qPrintable(f.fileName()));
    return f.readAll();
}

} // namespace Fleetdeck::Test
