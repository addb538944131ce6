"""Regenerates the demo node catalogues in this folder (fictional datasets).

Run with the pySHACL venv that `make test` makes (it has rdflib):
    ~/.cache/portal/pyshacl-venv/bin/python server/demo-catalogues/generate.py
The tests depend on what these files hold (see server/tests/catalogue.rs). rdflib may
write the JSON-LD and RDF/XML in another order each run; the triples are the same.
"""
import os
from rdflib import Graph, URIRef, Literal, Namespace
from rdflib.namespace import RDF, XSD, DCTERMS as DCT, FOAF

DCAT = Namespace("http://www.w3.org/ns/dcat#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
HEALTH = Namespace("http://healthdataportal.eu/ns/health#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
PMC = Namespace("https://w3id.org/se-pmc/ns#")
VOCAB = "https://w3id.org/se-pmc/vocab/"
DUO = {"GRU": "0000042", "HMB": "0000006", "DS": "0000007", "POA": "0000011", "NPU": "0000045", "IRB": "0000021", "COL": "0000020", "PUB": "0000019", "GS": "0000022"}
AR = "http://publications.europa.eu/resource/authority/access-right/"
OUT = os.path.dirname(os.path.abspath(__file__))
BASE_HOST = "http://fixture.invalid/demo-catalogues/"

def ds(id, acr, sv, en, dsv, den, n, amin, amax, psv, pen, types, samples, areas, codes, kw, modified, disease=None, rights="RESTRICTED", csv="Etikprövning krävs.", cen="Ethics approval is required."):
    return dict(id=id, acr=acr, sv=sv, en=en, dsv=dsv, den=den, n=n, amin=amin, amax=amax, psv=psv, pen=pen, types=types, samples=samples, areas=areas, codes=codes, kw=kw, modified=modified, disease=disease, rights=rights, csv=csv, cen=cen)

UPPSALA = [
  ds("scapis-uppsala-imaging", "SCAPIS-U", "SCAPIS Uppsala – hjärt- och kärlavbildning", "SCAPIS Uppsala cardiovascular imaging subset",
     "Datortomografi av kranskärl och ultraljud av halskärl för deltagarna vid Uppsala-centret.", "Coronary CT angiography and carotid ultrasound for participants at the Uppsala centre.",
     5012, 50, 64, "Deltagare i SCAPIS vid Akademiska sjukhuset.", "SCAPIS participants examined at Akademiska sjukhuset.",
     ["imaging", "clinical"], ["blood", "plasma"], ["cardiovascular"], ["HMB", "IRB"], [("coronary CT", "en"), ("kranskärl", "sv")], "2026-05-04T09:30:00Z"),
  ds("ucan-crc", "U-CAN CRC", "U-CAN kolorektalcancer", "U-CAN colorectal cancer collection",
     "Prover och kliniska data från patienter med kolorektalcancer före och efter operation.", "Samples and clinical data from colorectal cancer patients before and after surgery.",
     3140, 25, 95, "Vuxna med nydiagnostiserad kolorektalcancer i Uppsala.", "Adults with newly diagnosed colorectal cancer in Uppsala.",
     ["genomics", "clinical", "registry"], ["tissue", "blood"], ["cancer"], ["DS", "IRB", "COL"], [("colorectal cancer", "en"), ("tjocktarmscancer", "sv")], "2026-03-12", disease="cancer"),
  ds("epihealth-uppsala-proteomics", "EpiHealth-P", "EpiHealth Uppsala – plasmaproteomik", "EpiHealth Uppsala plasma proteomics",
     "Proteinprofiler i plasma från deltagare i Uppsala, med enkätdata om livsstil.", "Plasma protein profiles from Uppsala participants, with lifestyle questionnaires.",
     12580, 45, 75, "Män och kvinnor 45–75 år i Uppsala.", "Men and women aged 45–75 in Uppsala.",
     ["proteomics", "questionnaire"], ["plasma"], ["population_health"], ["GRU", "NPU"], [("proteomics", "en"), ("livsstil", "sv")], "2026-06-20T12:00:00Z"),
  ds("uppsala-sepsis-biobank", "USB", "Uppsala sepsisbiobank", "Uppsala sepsis biobank",
     "Blodprover från intensivvårdspatienter med sepsis, med kliniska förlopp.", "Blood samples from intensive-care patients with sepsis, with clinical courses.",
     820, 18, 90, "Patienter med sepsis vid Akademiska sjukhusets intensivvård.", "Patients with sepsis in intensive care at Akademiska sjukhuset.",
     ["clinical", "biomarkers"], ["blood", "serum"], ["rare_disease"], ["HMB", "IRB", "PUB"], [("sepsis", "en"), ("intensivvård", "sv")], "2026-02-01", rights="NON_PUBLIC"),
]
UPPSALA_LATER_NEW = ds("uppsala-biobank-proteomics", "UBP", "Uppsala biobank – proteomik", "Uppsala biobank proteomics panel",
     "Nytt proteomikpanel från Uppsala biobank.", "New proteomics panel from the Uppsala biobank.",
     2200, 30, 80, "Donatorer till Uppsala biobank.", "Donors to the Uppsala biobank.",
     ["proteomics"], ["plasma", "serum"], ["population_health"], ["HMB"], [("biobank", "en")], "2026-10-01T08:00:00Z")

LUND = [
  ds("mdcs-cardiometabolic", "MDCS-CM", "Malmö kost och cancer – kardiometabol uppföljning", "Malmö Diet and Cancer cardiometabolic follow-up",
     "Kardiometabola mätningar och registeruppföljning i Malmökohorten.", "Cardiometabolic measurements and register follow-up in the Malmö cohort.",
     28098, 44, 74, "Män och kvinnor bosatta i Malmö vid inklusion.", "Men and women living in Malmö at inclusion.",
     ["clinical", "biomarkers", "registry"], ["plasma", "dna"], ["cardiovascular", "diabetes"], ["GRU"], [("cardiometabolic", "en"), ("hjärta", "sv")], "2026-04-15T10:00:00Z"),
  ds("andis-lund", "ANDIS", "Alla nya diabetiker i Skåne", "All New Diabetics in Scania",
     "Nydiagnostiserad diabetes med genetik och biomarkörer för att dela in diabetes i undergrupper.", "Newly diagnosed diabetes with genetics and biomarkers for subgrouping diabetes.",
     21500, 18, 95, "Personer med nydiagnostiserad diabetes i Skåne.", "People with newly diagnosed diabetes in Scania.",
     ["genomics", "biomarkers", "clinical"], ["blood", "dna"], ["diabetes"], ["DS", "IRB"], [("diabetes", "en"), ("undergrupper", "sv")], "2026-01-20", disease="diabetes mellitus"),
  ds("lund-ibd-microbiome", "LIBD", "Lund IBD – tarmflora", "Lund IBD gut microbiome study",
     "Avföringsprover och kliniska data från patienter med inflammatorisk tarmsjukdom.", "Faecal samples and clinical data from patients with inflammatory bowel disease.",
     950, 16, 80, "Patienter med IBD vid Skånes universitetssjukhus.", "Patients with IBD at Skåne University Hospital.",
     ["metabolomics", "clinical"], ["faeces"], ["inflammatory_bowel"], ["HMB", "NPU", "IRB"], [("microbiome", "en"), ("tarmflora", "sv")], "2026-07-07T07:07:00Z"),
  ds("malmo-offspring", "MOS", "Malmö Offspring Study", "Malmö Offspring Study",
     "Barn och barnbarn till deltagare i Malmökohorterna, med livsstil och biomarkörer.", "Children and grandchildren of Malmö cohort participants, with lifestyle and biomarkers.",
     5300, 18, 70, "Ättlingar till deltagare i Malmö kost och cancer.", "Descendants of Malmö Diet and Cancer participants.",
     ["questionnaire", "biomarkers"], ["blood", "urine"], ["population_health"], ["POA", "IRB"], [("families", "en"), ("generationer", "sv")], "2026-08-30"),
]
UMEA = [
  ds("vip-cardio-risk", "VIP-CR", "VIP – uppföljning av hjärt-kärlrisk", "VIP cardiovascular risk follow-up",
     "Hälsoundersökningar vid 40, 50 och 60 års ålder med uppföljning av hjärt-kärlsjukdom.", "Health examinations at ages 40, 50 and 60 with follow-up of cardiovascular disease.",
     61250, 40, 60, "Invånare i Västerbotten som deltagit i Västerbottens hälsoundersökningar.", "Residents of Västerbotten who took part in the Västerbotten health examinations.",
     ["clinical", "questionnaire", "registry"], ["blood", "plasma"], ["cardiovascular", "population_health"], ["HMB", "NPU"], [("health examination", "en"), ("hälsoundersökning", "sv")], "2026-09-09T09:00:00Z"),
  ds("betula-mri", "Betula-MRI", "Betula – hjärnavbildning", "Betula brain MRI waves",
     "Upprepade MR-undersökningar av hjärnan hos deltagare i Betulaprojektet.", "Repeated brain MRI of participants in the Betula project.",
     1100, 25, 100, "Slumpvis utvalda vuxna i Umeå.", "Randomly selected adults in Umeå.",
     ["imaging", "questionnaire"], ["blood"], ["ageing_dementia"], ["HMB", "IRB", "GS"], [("MRI", "en"), ("minne", "sv")], "2026-03-03"),
  ds("northern-sweden-mammography", "NSMC", "Mammografikohorten i Norrland", "Northern Sweden mammography cohort",
     "Blodprover från kvinnor vid mammografiscreening, kopplade till cancerregistret.", "Blood samples from women at mammography screening, linked to the cancer register.",
     44300, 40, 74, "Kvinnor som genomgått mammografi i Västerbotten.", "Women screened by mammography in Västerbotten.",
     ["registry", "biomarkers"], ["serum", "dna"], ["cancer"], ["DS", "IRB", "COL"], [("breast cancer", "en"), ("bröstcancer", "sv")], "2026-05-25", disease="breast cancer"),
  ds("umea-als-registry", "ALS-U", "ALS-registret Umeå", "Umeå ALS registry samples",
     "Prover och kliniska data från personer med ALS i norra Sverige.", "Samples and clinical data from people with ALS in northern Sweden.",
     430, 20, 90, "Personer med ALS i norra sjukvårdsregionen.", "People with ALS in the northern healthcare region.",
     ["genomics", "clinical"], ["blood", "dna"], ["rare_disease"], ["HMB", "IRB"], [("ALS", "en"), ("motorneuronsjukdom", "sv")], "2026-10-10T10:10:00Z"),
]
OREBRO = [
  ds("orebro-ibd-cohort", "ÖIBD", "Örebro IBD-kohort", "Örebro IBD cohort",
     "Longitudinell kohort av patienter med inflammatorisk tarmsjukdom.", "Longitudinal cohort of patients with inflammatory bowel disease.",
     2600, 16, 85, "Patienter med IBD vid Universitetssjukhuset Örebro.", "Patients with IBD at Örebro University Hospital.",
     ["clinical", "metabolomics"], ["faeces", "blood"], ["inflammatory_bowel"], ["HMB", "IRB"], [("IBD", "en")], "2026-04-04"),
  ds("orebro-stress-study", "ÖSS", "Örebro stress- och hjärtstudie", "Örebro stress and cardio study",
     "Stressmarkörer och hjärtfunktion hos vuxna i Örebro län.", "Stress markers and heart function in adults in Örebro county.",
     1800, 30, 65, "Vuxna i Örebro län.", "Adults in Örebro county.",
     ["biomarkers", "clinical"], ["saliva", "blood"], ["cardiovascular"], ["GRU", "NPU"], [("stress", "en")], "2026-06-06"),
]

NODES = {
  "uppsala": ("uppsala", "Uppsala", "Uppsala"),
  "uppsala-later": ("uppsala", "Uppsala", "Uppsala"),
  "lund-malmo": ("lund", "Lund/Malmö", "Lund/Malmö"),
  "umea": ("umea", "Umeå", "Umeå"),
  "orebro": ("orebro", "Örebro", "Örebro"),
}

def page_graph(folder, page_no, pages, datasets, total, old_hydra, ext):
    host, sv_name, en_name = NODES[folder]
    base = BASE_HOST + folder + "/"
    cat_root = f"https://catalogue.{host}.example.org/"
    g = Graph()
    for p, ns in [("dcat", DCAT), ("dct", DCT), ("foaf", FOAF), ("hydra", HYDRA), ("healthdcatap", HEALTH), ("vcard", VCARD), ("pmc", PMC), ("xsd", XSD)]:
        g.bind(p, ns)
    me = URIRef(base + f"page-{page_no}.{ext}")
    g.add((me, RDF.type, HYDRA.PagedCollection if old_hydra else HYDRA.Collection))
    g.add((me, HYDRA.totalItems, Literal(total, datatype=XSD.integer)))
    if page_no < pages:
        g.add((me, HYDRA.nextPage if old_hydra else HYDRA.next, URIRef(base + f"page-{page_no + 1}.{ext}")))
    cat = URIRef(cat_root + "catalog")
    g.add((cat, RDF.type, DCAT.Catalog))
    g.add((cat, DCT.title, Literal(f"{en_name} node catalogue (demo, fictional)", lang="en")))
    g.add((cat, DCT.title, Literal(f"Nodkatalog {sv_name} (demo, påhittad)", lang="sv")))
    g.add((cat, DCT.description, Literal(f"Fictional datasets at the {en_name} node, for the portal's demo and tests.", lang="en")))
    g.add((cat, DCT.description, Literal(f"Påhittade dataset vid noden {sv_name}, för portalens demo och tester.", lang="sv")))
    pub = URIRef(cat_root + "publisher")
    g.add((cat, DCT.publisher, pub))
    g.add((pub, RDF.type, FOAF.Agent))
    g.add((pub, FOAF.name, Literal(f"SciLifeLab {en_name} node (demo)")))
    committee = URIRef(cat_root + "committee")
    g.add((committee, RDF.type, FOAF.Agent))
    g.add((committee, FOAF.name, Literal(f"{en_name} data access committee (demo)")))
    contact = URIRef(cat_root + "contact")
    g.add((contact, RDF.type, VCARD.Kind))
    g.add((contact, VCARD.fn, Literal(f"{en_name} node data office (demo)")))
    g.add((contact, VCARD.hasEmail, URIRef(f"mailto:data.{host}@example.org")))
    for d in datasets:
        s = URIRef(cat_root + "dataset/" + d["id"])
        g.add((cat, DCAT.dataset, s))
        g.add((s, RDF.type, DCAT.Dataset))
        g.add((s, DCT.title, Literal(d["sv"], lang="sv")))
        g.add((s, DCT.title, Literal(d["en"], lang="en")))
        g.add((s, DCT.description, Literal(d["dsv"], lang="sv")))
        g.add((s, DCT.description, Literal(d["den"], lang="en")))
        g.add((s, DCT.alternative, Literal(d["acr"])))
        g.add((s, DCT.identifier, Literal(d["id"])))
        for word, lang in d["kw"]:
            g.add((s, DCAT.keyword, Literal(word, lang=lang)))
        # A later edition of a catalogue keeps its datasets' landing pages.
        landing_base = BASE_HOST + "uppsala/" if folder == "uppsala-later" else base
        g.add((s, DCAT.landingPage, URIRef(landing_base + "datasets/" + d["id"])))
        m = d["modified"]
        g.add((s, DCT.modified, Literal(m, datatype=XSD.dateTime if "T" in m else XSD.date)))
        g.add((s, HEALTH.numberOfUniqueIndividuals, Literal(d["n"], datatype=XSD.nonNegativeInteger)))
        g.add((s, HEALTH.numberOfRecords, Literal(d["n"], datatype=XSD.nonNegativeInteger)))
        g.add((s, HEALTH.minTypicalAge, Literal(d["amin"], datatype=XSD.nonNegativeInteger)))
        g.add((s, HEALTH.maxTypicalAge, Literal(d["amax"], datatype=XSD.nonNegativeInteger)))
        g.add((s, HEALTH.populationCoverage, Literal(d["psv"], lang="sv")))
        g.add((s, HEALTH.populationCoverage, Literal(d["pen"], lang="en")))
        for t in d["types"]:
            g.add((s, DCT.type, URIRef(VOCAB + "data-type/" + t)))
        for t in d["samples"]:
            g.add((s, PMC.sampleType, URIRef(VOCAB + "sample-type/" + t)))
        for t in d["areas"]:
            g.add((s, HEALTH.healthCategory, URIRef(VOCAB + "disease-area/" + t)))
        for c in d["codes"]:
            g.add((s, PMC.consentCode, URIRef("http://purl.obolibrary.org/obo/DUO_" + DUO[c])))
        if d["disease"]:
            g.add((s, PMC.diseaseSpecificTo, Literal(d["disease"])))
        g.add((s, HEALTH.hdab, committee))
        g.add((s, PMC.accessConditions, Literal(d["csv"], lang="sv")))
        g.add((s, PMC.accessConditions, Literal(d["cen"], lang="en")))
        g.add((s, DCT.accessRights, URIRef(AR + d["rights"])))
        g.add((s, DCAT.contactPoint, contact))
    return g, base

def write(folder, datasets, ext, fmt, old_hydra=False, per_page=None):
    pages = [datasets[:per_page or (len(datasets) + 1) // 2], datasets[per_page or (len(datasets) + 1) // 2:]]
    os.makedirs(f"{OUT}/{folder}", exist_ok=True)
    for i, chunk in enumerate(pages, start=1):
        g, base = page_graph(folder, i, len(pages), chunk, len(datasets), old_hydra, ext)
        text = g.serialize(format=fmt, base=base, encoding="utf-8").decode("utf-8")
        # Links between pages and landing pages relative to the page itself.
        text = text.replace(base, "").replace("/demo-catalogues/" + folder + "/", "")
        text = text.replace(BASE_HOST, "../").replace("/demo-catalogues/", "../")
        text = "\n".join(l for l in text.split("\n") if not l.startswith("@base") and "xml:base" not in l)
        with open(f"{OUT}/{folder}/page-{i}.{ext}", "w", encoding="utf-8") as f:
            header = {"ttl": "# Demo node catalogue: fictional datasets for the portal's demo and tests.\n", "rdf": "", "jsonld": ""}[ext]
            f.write(header + text if ext == "ttl" else text)

write("uppsala", UPPSALA, "ttl", "turtle")
later = [dict(UPPSALA[0], en=UPPSALA[0]["en"] + " (2026 release)", modified="2026-11-01T08:00:00Z")] + UPPSALA[2:] + [UPPSALA_LATER_NEW]
write("uppsala-later", later, "ttl", "turtle")
write("lund-malmo", LUND, "jsonld", "json-ld", old_hydra=True)
write("umea", UMEA, "rdf", "xml")
write("orebro", OREBRO, "ttl", "turtle", per_page=2)
# Örebro's second page: deliberately malformed.
with open(f"{OUT}/orebro/page-2.ttl", "w", encoding="utf-8") as f:
    f.write('''# Deliberately malformed: tests that a broken catalogue fails only its own harvest.
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .

<https://catalogue.orebro.example.org/dataset/orebro-broken> a dcat:Dataset ;
    dct:title "Örebro half-written record"@en ;
    dct:description "This record never ends
''')
