// The fuzz targets' seeds as a fast regression test inside `make test`: every file that seeds a target (tests/data)
// and every finding kept under tests/data/fuzz/<target>/ goes through the target whole, cut short at several
// points, and with a NUL and garbage appended. A crash or a hang here is a parser defect; `make fuzz` searches
// further, with sanitizers, for as long as FUZZ_SECONDS allows.
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QTest>

#include "targets.h"

using namespace Fleetdeck;

class TestFuzzSeeds : public QObject
{
    Q_OBJECT

private:
    static QString data() { return QString::fromLocal8Bit(qgetenv("FLEETDECK_TEST_DATA")); }

    static QStringList seedFiles(const Fuzz::Target& target)
    {
        QStringList files;
        QStringList folders;
        for (const QByteArray& f : target.seedFolders)
            folders << data() + QLatin1Char('/') + QString::fromLatin1(f);
        folders << data() + QStringLiteral("/fuzz/") + QString::fromLatin1(target.name);
        for (const QString& folder : folders) {
            QDirIterator it(folder, QDir::Files, QDirIterator::Subdirectories);
            while (it.hasNext())
                files << it.next();
        }
        files.sort();
        return files;
    }

private Q_SLOTS:
    void seedsGoThroughEveryTarget_data()
    {
        QTest::addColumn<QString>("target");
        for (const Fuzz::Target& t : Fuzz::targets())
            QTest::newRow(t.name) << QString::fromLatin1(t.name);
    }

    void seedsGoThroughEveryTarget()
    {
        QFETCH(QString, target);
        QVERIFY2(!data().isEmpty(), "FLEETDECK_TEST_DATA is not set");
        const Fuzz::Target* t = Fuzz::find(target.toLatin1().constData());
        QVERIFY(t);
        const QStringList files = seedFiles(*t);
        QVERIFY2(!files.isEmpty(), qPrintable(QStringLiteral("no seed files for %1").arg(target)));

        int inputs = 0;
        for (const QString& path : files) {
            QFile file(path);
            QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(path));
            const QByteArray seed = file.readAll();
            // (The garbage's length is its literal's, NUL included: an overread here was ASan's first catch.)
            static constexpr char garbage[] = "\xff\xfe garbage\r\n";
            QList<QByteArray> variants { seed, seed + '\0' + seed, seed + QByteArray(garbage, sizeof garbage) };
            for (int cut : { 1, 7, 64, 1000 }) {
                if (cut < seed.size())
                    variants << seed.left(cut) << seed.left(seed.size() - cut);
            }
            for (const QByteArray& input : variants) {
                t->run(input);
                ++inputs;
            }
        }
        qInfo("%s: %d inputs from %lld seed files", qPrintable(target), inputs, qint64(files.size()));
    }

    void theNulSplitKeepsBothParts()
    {
        const auto [first, second] = Fuzz::splitAtNul(QByteArray("config\0upstreams", 16));
        QCOMPARE(first, QByteArray("config"));
        QCOMPARE(second, QByteArray("upstreams"));
        QCOMPARE(Fuzz::splitAtNul("no nul").second, QByteArray());
    }
};

QTEST_GUILESS_MAIN(TestFuzzSeeds)
#include "tst_fuzzseeds.moc"
