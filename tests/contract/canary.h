#pragma once

#include <QByteArray>
#include <QTcpServer>
#include <QTcpSocket>

namespace Fleetdeck::Test {

// A listening socket on 127.0.0.1 that notes who connects and what they send, and answers each connection with a
// fixed reply (none: it says nothing). It stands in for no product: it shows whether a driver reached out at all,
// and with what bytes.
class Canary final : public QTcpServer
{
public:
    explicit Canary(QByteArray reply = {})
        : m_reply(std::move(reply))
    {
        listen(QHostAddress::LocalHost, 0);
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* s = nextPendingConnection()) {
                m_contacts += 1;
                connect(s, &QTcpSocket::readyRead, s, [this, s] { m_received += s->readAll(); });
                if (!m_reply.isEmpty()) {
                    s->write(m_reply);
                    s->flush();
                    s->disconnectFromHost();
                }
            }
        });
    }
    int port() const { return serverPort(); }
    int contacts() const { return m_contacts; }
    const QByteArray& received() const { return m_received; }

private:
    QByteArray m_reply;
    int m_contacts = 0;
    QByteArray m_received;
};

} // namespace Fleetdeck::Test
