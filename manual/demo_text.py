"""The text of the demo company's IMS manual (Helvetia Biologics): our words, on the harmonized clauses 4–10."""

INTRODUCTION = """\
This manual describes the integrated management system (IMS) of Helvetia Biologics: how we manage quality
(ISO 9001, ISO 13485, EU GMP and 21 CFR 210/211/820), the environment (ISO 14001) and occupational health
and safety (ISO 45001) as **one** system, with one set of processes, one register of risks and obligations
and one programme of audits and improvement.

It is written for our employees, for the people who audit us and for the inspectors who review us. The
live tables in this manual (policy, objectives, responsibilities, processes, applicability) are taken
from the IMS portal at the moment the manual was approved; the portal always holds the current records.

**How to read it.** Sections 4 to 10 follow the harmonized structure shared by the three standards.
Each site adds an annex with its local scope, local regulations and local roles; the manual for a site
is this core plus its annex.
"""

CONTEXT = """\
### 4.1 Understanding the organization and its context

Helvetia Biologics develops, manufactures, tests and distributes biological medicines and combination
products. External issues that shape the IMS are reviewed at least once a year in the management review:
regulatory change (EU GMP Annex 1, the FDA QMSR), the expectations of patients and health authorities,
the availability of skilled staff, energy prices and the climate commitments of our customers. Internal
issues include the transfer of products between sites, the ageing of the Basel utilities and the
digitalisation of our records.

### 4.2 Interested parties

| Interested party | Their needs and expectations that we adopt |
|---|---|
| Patients and prescribers | safe, effective medicines, available when needed |
| Health authorities (Swissmedic, HPRA, FDA, EMA) | compliance with the marketing authorisations and GMP |
| Employees and contractors | a safe workplace, training, consultation and participation |
| Neighbours and authorities of the sites | no harm from emissions, waste or incidents |
| Customers and partners | quality agreements honoured, transparent deviations |

### 4.3 Scope of the IMS

The IMS covers all sites, functions and products of Helvetia Biologics listed on the cover. Clauses that
do not apply at a site are excluded in that site's statement of applicability with a justification; an
exclusion never affects our ability to deliver conforming product or to fulfil our compliance obligations.

### 4.4 The management system and its processes

Our processes are mapped in the process register, with their owners, inputs, outputs, KPIs, maps and the
clauses they fulfil. The landscape below shows the management, core and support processes and how they
hand over to each other.
"""

LEADERSHIP = """\
### 5.1 Leadership and commitment

The Executive Board is accountable for the effectiveness of the IMS. It sets the IMS policy and the
objectives, provides the resources, chairs the management review and promotes a culture in which people
report problems, near misses and ideas without fear.

### 5.2 Policy

The IMS policy below is the effective version. It is communicated to every employee through
the portal's read-and-acknowledge tasks and is reviewed at least every two years.

### 5.3 Roles, responsibilities and authorities

The VP Global Quality & IMS leads the IMS across the company and reports on its performance to the Board.
At every site a Quality Manager and a Compliance Officer lead the local system; process owners are
accountable for their processes. The responsibility matrix below (R responsible, A accountable,
C consulted, I informed) assigns our policies and procedures to roles; each has exactly one accountable role.

### 5.4 Consultation and participation of workers

Workers and their representatives are consulted on hazards, controls, incident investigations and changes
through the site safety committees, and may raise any concern through the portal's feedback channel.
"""

PLANNING = """\
### 6.1 Actions to address risks and opportunities

One register holds the quality risks (ICH Q9), the environmental aspects and impacts, and the OH&S hazards
of every site and process, scored by a method fixed per discipline, with their controls, owners and review
dates. The same procedure governs the legal and other requirements (compliance obligations) and their
periodic evaluation of compliance.

### 6.2 Objectives and planning to achieve them

Objectives cascade from the company to the sites and functions. Each is measurable, has an owner, a target,
a due date and a KPI that is read at a fixed frequency; the table below is the current set.

### 6.3 Planning of changes

Changes to processes, facilities, equipment and documents follow change control: the change is assessed for
its impact on product quality, the environment and safety before it is approved and implemented.
"""

SUPPORT = """\
### 7.1 Resources

Resources for the IMS — people, infrastructure, a controlled working environment, monitoring and measuring
equipment — are planned in the annual budget and reviewed in the management review. Measuring equipment is
calibrated against traceable standards on a defined schedule.

### 7.2 Competence and 7.3 Awareness

Training requirements are defined per role, function and site. Employees are trained on the policy, the
objectives that concern them, the procedures they perform and the hazards and aspects of their work,
before they work unsupervised; competence is assessed and recorded.

### 7.4 Communication

Internal communication uses the portal (notices, digests, acknowledgements), team meetings and the site
boards. External communication with authorities, customers and neighbours is made by the designated roles.

### 7.5 Documented information

Policies, procedures, work instructions, forms and this manual are controlled documents: reviewed and
approved with electronic signatures (21 CFR Part 11, EU GMP Annex 11), versioned, periodically reviewed and
distributed to the people in scope. Records are protected by an append-only audit trail.
"""

OPERATION = """\
### 8.1 Operational planning and control

Operations are run according to approved procedures and batch records. Integrated procedures address the
quality, environmental and safety aspects of an activity together — for example, one non-conformance
procedure covers product deviations, environmental incidents and workplace injuries.

### 8.2 Requirements for products and services

Customer, regulatory and registration requirements are reviewed before we commit to supply.

### 8.4 Control of externally provided processes, products and services

Suppliers are qualified according to their risk, bound by quality agreements and monitored; contractors on
our sites follow our safety and environmental rules.

### 8.5–8.7 Production, release and nonconforming output

Only batches made and tested as registered are certified for release by a Qualified Person. Nonconforming
product is identified, segregated and dispositioned.

### Emergency preparedness and response

Each site maintains emergency plans for fire, chemical and biological spills and loss of utilities, tests
them at least once a year and learns from every test and event.
"""

PERFORMANCE = """\
### 9.1 Monitoring, measurement, analysis and evaluation

For each process we define what is measured, how, how often, by whom and where the result goes. KPIs are
trended monthly at each site; compliance with legal and other requirements is evaluated on the schedule set
in the obligations register.

### 9.2 Internal audit

A risk-based programme audits every process and site against the three standards and the GMP
regulations at least once in three years, more often where risk or performance requires. Auditors are
independent of the work they audit.

### 9.3 Management review

The Executive Board reviews the IMS at least once a year, and each site quarterly: the status of actions,
changes in context, performance and trends, audit results, risks and opportunities, and the adequacy of
resources. The outputs are decisions and actions with owners and due dates.
"""

IMPROVEMENT = """\
### 10.1 General

We improve by correcting what went wrong, preventing its recurrence and acting on opportunities.

### 10.2 Nonconformity and corrective action

Non-conformances, deviations, complaints, incidents and audit findings are recorded, contained, investigated
to their root cause and corrected through CAPA. The effectiveness of each corrective action is verified
against defined criteria before the CAPA is closed.

### 10.3 Continual improvement

Trends of KPIs, audit results, employee feedback and the management review feed the improvement
programme; its progress is reported to the Executive Board.
"""

ANNEXES = {
    "BSL": {
        "local_scope": (
            "The Basel Biologics Plant manufactures drug substance by mammalian cell culture, tests it in the "
            "QC laboratories and releases it to Cork for fill and finish. The site holds the company's "
            "headquarters functions (Global Quality, Regulatory Affairs, EHS)."
        ),
        "local_regulations": (
            "- Swiss Therapeutic Products Act (HMG) and the Medicinal Products Licensing Ordinance (AMBV)\n"
            "- Swissmedic GMP inspections; EU GMP by the mutual recognition agreement\n"
            "- Ordinance on Protection against Major Accidents (StFV); Containment Ordinance (ESV) for "
            "genetically modified organisms\n"
            "- Labour Act (ArG) and Accident Insurance Act (UVG); Basel-Stadt wastewater permit"
        ),
        "local_roles": (
            "- **Qualified Person / Fachtechnisch verantwortliche Person:** Head of Quality, Basel\n"
            "- **Biosafety officer:** EHS Manager, Basel\n"
            "- **Major-accident coordinator:** Site Director, Basel"
        ),
    },
    "CRK": {
        "local_scope": (
            "Cork Fill & Finish fills, inspects, labels and packs sterile products from Basel drug substance "
            "and releases them to the EU and US markets."
        ),
        "local_regulations": (
            "- Irish Medicines Board Act and HPRA GMP licence; EU GMP Annex 1 (sterile products)\n"
            "- EPA Industrial Emissions licence; Safety, Health and Welfare at Work Act 2005\n"
            "- FDA registration for US supply (21 CFR 210/211)"
        ),
        "local_roles": (
            "- **Qualified Person:** Head of Quality, Cork\n"
            "- **Safety representative:** elected by the workforce under the 2005 Act\n"
            "- **EPA licence holder contact:** EHS Lead, Cork"
        ),
    },
}

#: What version 2 of the demo manual adds to clause 5.
REVISION_NOTE = """### 5.5 Approval of this manual

This manual is approved by the VP Global Quality & IMS for every site in its scope. The live tables it holds —
objectives, responsibilities, risks and obligations, the monitoring plan — are fixed for all those sites at
approval; a site annex adds what holds at one site only."""
