package io.ledgerbridge.contracts;

import io.ledgerbridge.canonical.Contract;
import io.ledgerbridge.canonical.Deal;
import io.ledgerbridge.contracts.domain.ContractRules.Problem;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * What an exception about a contract says to the person who decides it: the document (its kind, id,
 * title and sender) or CRM deal (its id, name and owner) a problem is about, and for something
 * missing the term and the source field it is read from. Also who asked for it: the sender of the
 * document, else the deal's owner; never nobody.
 */
@Component
public class ExceptionTexts {

    private final ContractMapper mappings;

    public ExceptionTexts(ContractMapper mappings) {
        this.mappings = mappings;
    }

    /** "DocuSign envelope 93be... 'Please DocuSign: Acme - Order Form' sent by Sam Seller (sam@example.com)". */
    public String document(Contract c) {
        String kind = switch (c.source()) {
            case "docusign" -> "DocuSign envelope";
            case "pandadoc" -> "PandaDoc document";
            default -> c.source() + " document";
        };
        return kind + " " + c.documentId() + quoted(c.documentName()) + " sent by " + person(c.sentByName(), c.sentBy(), "an unknown sender");
    }

    /** "HubSpot deal 9876543210 'Globex - Platform' owned by Avery Approver (avery@example.com)". */
    public String deal(Deal d) {
        String kind = switch (d.crm()) {
            case "salesforce" -> "Salesforce opportunity";
            case "hubspot" -> "HubSpot deal";
            default -> d.crm() + " deal";
        };
        return kind + " " + d.id() + quoted(d.name()) + " owned by " + person(d.ownerName(), d.ownerEmail(), "nobody");
    }

    /** The contract_validation summary: the document and what is wrong with it, then the deal and what it lacks. */
    public String validation(Contract c, Deal deal, List<Problem> problems) {
        List<String> ofDocument = problems.stream().filter(p -> !p.ofDeal()).map(p -> problem(c, deal, p)).toList();
        List<String> ofDeal = problems.stream().filter(Problem::ofDeal).map(p -> problem(c, deal, p)).toList();
        StringBuilder s = new StringBuilder(document(c));
        if (!ofDocument.isEmpty()) {
            s.append(": ").append(String.join("; ", ofDocument));
        }
        if (!ofDeal.isEmpty() && deal != null) {
            s.append(ofDocument.isEmpty() ? " for " : "; ").append(deal(deal)).append(": ").append(String.join("; ", ofDeal));
        }
        return s.toString();
    }

    /** The customer_match question. */
    public String customerMatch(Contract c, String name, String domain, String candidateName, String candidateDomain, String how) {
        return document(c) + ": is " + party(name, domain) + " the existing customer " + party(candidateName, candidateDomain)
                + "? " + how + ". Approve to use the existing record, reject to create a new one.";
    }

    /** Who asked: the document's sender, else the deal's owner, else who the document names (never null). */
    public String requester(Contract c, Deal deal) {
        if (c.sentBy() != null) {
            return c.sentBy();
        }
        if (deal != null && deal.ownerEmail() != null) {
            return deal.ownerEmail();
        }
        return c.sentByName() != null ? c.sentByName() : "unknown sender of " + document(c);
    }

    private String problem(Contract c, Deal deal, Problem p) {
        if (p.term() == null) {
            return p.message();
        }
        String fields = p.ofDeal() ? mappings.dealSource(deal == null ? null : deal.crm(), p.term())
                : mappings.termSource(c.source(), p.term());
        return fields == null ? p.message() : p.message() + " (" + (fields.contains(" or ") ? "fields " : "field ") + fields + ")";
    }

    private static String quoted(String name) {
        return name == null || name.isBlank() ? "" : " '" + name + "'";
    }

    private static String person(String name, String email, String nobody) {
        if (name != null && email != null) {
            return name + " (" + email + ")";
        }
        return name != null ? name : email != null ? email : nobody;
    }

    private static String party(String name, String domain) {
        return (name == null ? "a customer with no name" : "'" + name + "'") + (domain == null ? "" : " (" + domain + ")");
    }
}
