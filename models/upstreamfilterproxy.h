#pragma once

#include <QSortFilterProxyModel>
#include <QStringList>

namespace Fleetdeck {

// Narrows the upstream table to the tree's selection (a gateway or a backend) and to the words in the search box.
class UpstreamFilterProxy final : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UpstreamFilterProxy)

public:
    explicit UpstreamFilterProxy(QObject* parent = nullptr);

    // Every word must appear in one of gateway, backend, server, address, admin state, health or check.
    void setSearchText(const QString& text);
    QString searchText() const { return m_words.join(QLatin1Char(' ')); }
    // An empty gateway shows the whole fleet; an empty backend the whole gateway.
    void setScope(const QString& gateway, const QString& backend = {});

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    QStringList m_words;
    QString m_gateway;
    QString m_backend;
};

} // namespace Fleetdeck
