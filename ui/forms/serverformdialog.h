#pragma once

#include <QDialog>
#include <QMap>

#include "serverspec.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace Fleetdeck {

class FleetStore;
class JournalModel;

// The pool form: a server to add, every field checked as it is typed, each message next to its field.
// "Review…" is enabled only when everything is valid; what was typed is kept if a push fails.
class ServerFormDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServerFormDialog)

public:
    ServerFormDialog(const FleetStore* store, const ServerSpec& initial, QWidget* parent = nullptr);

    ServerSpec spec() const;
    QMap<QString, QString> problems() const { return m_problems; }

Q_SIGNALS:
    void reviewRequested(const Fleetdeck::ServerSpec& spec);

private:
    void fillBackends();
    // The selected gateway's product: its member naming, whether it health-checks, its weight range.
    void followProduct();
    void validate();

    const FleetStore* m_store;
    QComboBox* m_gateway;
    QComboBox* m_backend;
    QLineEdit* m_name;
    QLineEdit* m_host;
    QLineEdit* m_port;
    QLineEdit* m_weight;
    QLineEdit* m_maxconn;
    QCheckBox* m_check;
    QMap<QString, QLabel*> m_errors;
    QPushButton* m_review;
    QMap<QString, QString> m_problems;
};

// Shows what will change before anything is sent: each change with before and after, and what the product's
// capabilities mean for it (for HAProxy: runtime-only).
class ReviewDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ReviewDialog)

public:
    struct Row
    {
        QString gateway;
        QString object;
        QString before;
        QString after;
    };
    ReviewDialog(const QList<Row>& rows, const QString& note, QWidget* parent = nullptr);
    // Where colleagues' recent changes are read (the team journal), so the review says when one touched the same
    // object; set once by the window.
    static void setJournal(const JournalModel* journal);
};

} // namespace Fleetdeck
