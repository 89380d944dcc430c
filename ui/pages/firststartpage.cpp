#include "firststartpage.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

#include "productcatalog.h"

namespace Fleetdeck {

FirstStartPage::FirstStartPage(const ProductCatalog& products, QWidget* parent)
    : QWidget(parent)
{
    QStringList live;
    QStringList documented;
    for (const ProductInfo& p : products.products())
        (p.liveTested ? live : documented).append(p.displayName);
    QString names = live.join(QStringLiteral(", "));
    if (!documented.isEmpty())
        names += tr(", and (from their documentation) %1").arg(documented.join(QStringLiteral(", ")));
    setObjectName(QStringLiteral("firstStartPage"));
    setAccessibleName(tr("Getting started"));
    auto* title = new QLabel(tr("No gateways yet"));
    title->setObjectName(QStringLiteral("firstStartTitle"));
    QFont big = title->font();
    big.setPointSizeF(big.pointSizeF() * 1.6);
    big.setBold(true);
    title->setFont(big);
    auto* intro = new QLabel(tr("Fleetdeck watches and steers the load balancers, gateways and caches in front of an "
                                "API, each over its own admin channel: %1. Begin with one of these:")
                                 .arg(names));
    intro->setObjectName(QStringLiteral("firstStartIntro"));
    intro->setWordWrap(true);

    auto* open = new QPushButton(tr("&Open a fleet file…"));
    open->setObjectName(QStringLiteral("firstStartOpen"));
    open->setToolTip(tr("A JSON file that lists gateways (Ctrl+O)"));
    auto* add = new QPushButton(tr("&Add a gateway…"));
    add->setObjectName(QStringLiteral("firstStartAdd"));
    add->setToolTip(tr("Its product, admin address and credential (Ctrl+N); the gateways you add are remembered"));
    connect(open, &QPushButton::clicked, this, &FirstStartPage::openFleetFile);
    connect(add, &QPushButton::clicked, this, &FirstStartPage::addGateway);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(open);
    buttons->addWidget(add);
    buttons->addStretch();

    auto* lab = new QLabel(tr("<b>Or try it first:</b> <code>make demo</code> in Fleetdeck's source tree starts a "
                              "lab of real gateways on 127.0.0.1, with traffic, alerts and a failing server, and "
                              "opens Fleetdeck on it; closing the window stops the lab."));
    lab->setObjectName(QStringLiteral("firstStartLab"));
    lab->setWordWrap(true);
    lab->setTextFormat(Qt::RichText);

    auto* column = new QVBoxLayout;
    column->addWidget(title);
    column->addSpacing(8);
    column->addWidget(intro);
    column->addSpacing(8);
    column->addLayout(buttons);
    column->addSpacing(16);
    column->addWidget(lab);
    auto* frame = new QWidget;
    frame->setLayout(column);
    frame->setMaximumWidth(640);
    auto* layout = new QVBoxLayout(this);
    layout->addStretch(1);
    auto* centre = new QHBoxLayout;
    centre->addStretch(1);
    centre->addWidget(frame, 3);
    centre->addStretch(1);
    layout->addLayout(centre);
    layout->addStretch(2);
}

} // namespace Fleetdeck
