# One INTERFACE target carries the language standard, warnings and Qt defines for every Fleetdeck target.
add_library(fleetdeck_options INTERFACE)
target_compile_features(fleetdeck_options INTERFACE cxx_std_20)
target_compile_options(fleetdeck_options INTERFACE
    -Wall -Wextra -pedantic -Wold-style-cast -Wnon-virtual-dtor
    $<$<BOOL:${FLEETDECK_WERROR}>:-Werror>)
target_compile_definitions(fleetdeck_options INTERFACE
    QT_NO_CAST_FROM_ASCII QT_NO_CAST_TO_ASCII QT_USE_QSTRINGBUILDER QT_NO_FOREACH
    QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
    FLEETDECK_VERSION="${PROJECT_VERSION}")
