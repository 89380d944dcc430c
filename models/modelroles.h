#pragma once

#include <Qt>

namespace Fleetdeck {

// Roles shared by the fleet's item models, so views and proxies ask for typed data by one name.
enum ModelRole {
    KindRole = Qt::UserRole + 1, // NodeKind
    GatewayRole,
    BackendRole,
    ServerRole,
    SubjectRole, // the SeriesKeys subject of the row
    ServerRefRole, // QVariant<ServerRef>, servers only
    SortRole, // a number where the column holds one
    AdminStateRole, // int(AdminState), servers only
};

enum class NodeKind { Gateway, Backend, Server };

} // namespace Fleetdeck
