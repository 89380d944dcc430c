#pragma once

#include <functional>

#include <QObject>
#include <QStringList>

class QTimer;
class QWidget;

namespace Fleetdeck::Test {

// Drives a modal dialog a test is about to open (the call that opens it blocks in the dialog's own event loop):
// waits for the active modal widget with that object name (or "class:QFileDialog": of that class), then acts on it. A
// failed expectation is recorded and the dialog closed, so the test never hangs and fails clearly afterwards:
// QVERIFY2(driver.ok(), driver.failure()). When the dialog does not come in time and another modal one holds the test
// up, that one is closed too.
class ModalDriver final : public QObject
{
public:
    using Act = std::function<void(QWidget* dialog, ModalDriver& driver)>;
    ModalDriver(const QString& objectName, Act act, int timeoutMs = 5000);

    // In `act`: false (and recorded) when the condition does not hold.
    bool expect(bool condition, const QString& what);
    bool ran() const { return m_ran; }
    bool ok() const { return m_ran && m_failures.isEmpty(); }
    QByteArray failure() const;

private:
    void poll();

    QString m_name;
    Act m_act;
    QTimer* m_timer;
    int m_left;
    bool m_ran = false;
    QStringList m_failures;
};

} // namespace Fleetdeck::Test
