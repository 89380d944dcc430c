#include "modaldriver.h"

#include <QApplication>
#include <QDialog>
#include <QTimer>
#include <QWidget>

namespace Fleetdeck::Test {

ModalDriver::ModalDriver(const QString& objectName, Act act, int timeoutMs)
    : m_name(objectName)
    , m_act(std::move(act))
    , m_timer(new QTimer(this))
    , m_left(timeoutMs / 20)
{
    m_timer->setInterval(20);
    connect(m_timer, &QTimer::timeout, this, &ModalDriver::poll);
    m_timer->start();
}

bool ModalDriver::expect(bool condition, const QString& what)
{
    if (!condition)
        m_failures.append(what);
    return condition;
}

QByteArray ModalDriver::failure() const
{
    if (!m_ran)
        return QStringLiteral("the dialog \"%1\" never appeared").arg(m_name).toUtf8();
    return m_failures.join(QStringLiteral("; ")).toUtf8();
}

void ModalDriver::poll()
{
    QWidget* modal = QApplication::activeModalWidget();
    // "class:QFileDialog" matches by class, for dialogs Qt makes itself (the static file dialogs).
    const bool matches = modal
        && (m_name.startsWith(QLatin1String("class:")) ? modal->inherits(qPrintable(m_name.mid(6)))
                                                       : modal->objectName() == m_name);
    if (!matches) {
        if (--m_left > 0)
            return;
        m_timer->stop();
        // Another dialog holds the test up in its event loop: close it, so the test goes on and fails clearly.
        if (modal) {
            m_failures.append(QStringLiteral("\"%1\" was open instead").arg(modal->objectName()));
            if (auto* dialog = qobject_cast<QDialog*>(modal))
                dialog->reject();
            else
                modal->close();
        }
        return;
    }
    m_timer->stop();
    m_ran = true;
    m_act(modal, *this);
    // An expectation failed: close what is still open, so the call that opened it returns.
    if (!m_failures.isEmpty() && modal->isVisible()) {
        if (auto* dialog = qobject_cast<QDialog*>(modal))
            dialog->reject();
        else
            modal->close();
    }
}

} // namespace Fleetdeck::Test
